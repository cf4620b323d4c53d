from .conv_tokenizer import ConvTokenizer
from .data_preprocessor import BatchLabelClsDataPreprocessor

__all__ = ['BatchLabelClsDataPreprocessor', 'ConvTokenizer']
