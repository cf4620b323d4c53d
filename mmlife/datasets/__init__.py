"""Dataset preparation for mmlife's configs (:mod:`.converters`); the datasets themselves are
the stock ones of mmpretrain, mmdet and mmseg (CamVid: :mod:`mmlife.seg.datasets`)."""
