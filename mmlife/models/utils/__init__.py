from .data_preprocessor import BatchLabelClsDataPreprocessor

__all__ = ['BatchLabelClsDataPreprocessor']
