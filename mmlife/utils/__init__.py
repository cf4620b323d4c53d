from .checkpoint import UnsafeCheckpointError, load_from_local, register_safe_globals
from .convert import (check_backbone_loads, classifier_to_backbone,
                      convert_classifier_checkpoint)
from .data_check import check_data_roots
from .dist import destroy_distributed, setup_cpu_distributed

__all__ = ['UnsafeCheckpointError', 'load_from_local', 'register_safe_globals',
           'setup_cpu_distributed', 'destroy_distributed', 'check_data_roots',
           'classifier_to_backbone', 'check_backbone_loads', 'convert_classifier_checkpoint']
