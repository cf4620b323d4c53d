"""Figure helpers: display scaling and blending."""
import numpy as np
import pytest

from mmlife.visualization.figures import blend, heatmap_rgb, normalize_map


def test_normalize_map():
    m = np.array([[2.0, 3.0], [4.0, 6.0]])
    np.testing.assert_allclose(normalize_map(m, positive=False, mode='minmax'),
                               [[0.0, 0.25], [0.5, 1.0]])
    np.testing.assert_allclose(normalize_map(m, positive=False, mode='max'),
                               [[1 / 3, 0.5], [2 / 3, 1.0]])
    signed = np.array([-1.0, 0.5, 2.0])
    np.testing.assert_allclose(normalize_map(signed), [0.0, 0.25, 1.0])  # positive part / max
    assert not normalize_map(np.full((2, 2), 3.0), positive=False, mode='minmax').any()
    assert normalize_map(np.full((2, 2), 3.0), positive=False, mode='max').all()
    assert not normalize_map(-np.ones(3)).any()
    with pytest.raises(ValueError, match='mode'):
        normalize_map(m, positive=False, mode='sigmoid')


def test_blend():
    image = np.zeros((4, 5, 3), dtype=np.uint8)
    m = np.ones((4, 5))
    out = blend(image, m, alpha=1.0)
    assert out.dtype == np.uint8 and (out == heatmap_rgb(m)).all()
    assert (blend(image, m, alpha=0.0) == 0).all()
    with pytest.raises(ValueError, match='differ in size'):
        blend(image, np.ones((5, 4)))
