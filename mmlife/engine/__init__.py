"""Training-loop components registered into mmengine's registries (every scope finds them)."""
from .optimizers import MergedGroupsOptimWrapperConstructor, merge_param_groups

__all__ = ['MergedGroupsOptimWrapperConstructor', 'merge_param_groups']
