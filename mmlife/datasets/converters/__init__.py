"""Converters from the datasets' official releases to the folder layouts of mmlife's configs.

One module a dataset (:mod:`.cifar10`, :mod:`.cifar100`, :mod:`.digits`, :mod:`.imagenet100`,
:mod:`.tiny_imagenet`), each run by its script in ``tools/dataset_converters/``.
"""
