from .checkpoint import (CorruptCheckpointError, UnsafeCheckpointError, load_from_local,
                         register_safe_globals)
from .checkpoint_match import (CheckpointMismatchError, NonFiniteCheckpointError,
                               check_checkpoint, check_runner_load_from)
from .cli import ConfigKeyError, check_cfg_options, check_schedule
from .convert import (check_backbone_loads, classifier_to_backbone,
                      convert_classifier_checkpoint)
from .data_check import check_data_roots
from .dist import destroy_distributed, setup_cpu_distributed

__all__ = ['UnsafeCheckpointError', 'CorruptCheckpointError', 'load_from_local',
           'register_safe_globals', 'CheckpointMismatchError', 'NonFiniteCheckpointError',
           'check_checkpoint', 'check_runner_load_from', 'ConfigKeyError', 'check_cfg_options',
           'check_schedule', 'setup_cpu_distributed', 'destroy_distributed', 'check_data_roots',
           'classifier_to_backbone', 'check_backbone_loads', 'convert_classifier_checkpoint']
