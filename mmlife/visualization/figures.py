"""Paper-style roll-out figures (matplotlib, Agg; no pyplot state, no display needed).

- :func:`plot_cls_rollout`: image | heat map | blend, for one classified image.
- :func:`plot_cls_comparison`: a grid, one column per image: the input, then one row of blends
  per model (e.g. DeiT without LIFE above DeiT with LIFE).
- :func:`plot_dense_rollout`: the Dense Roll-Out layout, one row per model: input | prediction |
  global attention | one map per predicted class, the class name above it. With several rows the
  class columns are the union of the rows' classes, so a column is always the same class.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np


NORMALIZATIONS = ('minmax', 'max')


def normalize_map(m: np.ndarray, positive: bool = True, mode: str = 'max') -> np.ndarray:
    """Scale a map to ``[0, 1]`` for display.

    ``positive``: the positive part over its maximum (for signed maps such as the class maps of
    Dense Roll-Out). Otherwise ``mode='minmax'`` stretches ``[min, max]`` to ``[0, 1]`` and
    ``mode='max'`` divides by the maximum. A constant map becomes zeros (minmax) or ones (max).
    """
    if mode not in NORMALIZATIONS:
        raise ValueError(f'mode must be one of {NORMALIZATIONS}, got {mode!r}')
    m = np.asarray(m, dtype=np.float64)
    if positive or mode == 'max':
        m = np.clip(m, 0, None)
        top = m.max() if m.size else 0.0
        return m / top if top > 0 else np.zeros_like(m)
    lo, hi = (m.min(), m.max()) if m.size else (0.0, 0.0)
    return (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)


def heatmap_rgb(m: np.ndarray, cmap: str = 'jet') -> np.ndarray:
    """``[0, 1]`` map -> ``(H, W, 3)`` uint8 RGB through a matplotlib colormap."""
    from matplotlib import colormaps
    rgba = colormaps[cmap](np.clip(m, 0, 1))
    return (rgba[..., :3] * 255).round().astype(np.uint8)


def blend(image: np.ndarray, m: np.ndarray, alpha: float = 0.5, cmap: str = 'jet') -> np.ndarray:
    """Overlay the heat map of a ``[0, 1]`` map on an RGB image (same size)."""
    if image.shape[:2] != m.shape[:2]:
        raise ValueError(f'image {image.shape[:2]} and map {m.shape[:2]} differ in size')
    out = (1 - alpha) * image.astype(np.float64) + alpha * heatmap_rgb(m, cmap)
    return out.round().clip(0, 255).astype(np.uint8)


def _figure(rows: int, cols: int, panel: float = 2.2, title_space: float = 0.35):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(cols * panel, rows * (panel + title_space)))
    FigureCanvasAgg(fig)
    axes = np.asarray(fig.subplots(rows, cols, squeeze=False))
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    return fig, axes


def _save(fig, out_file: str, dpi: int) -> str:
    import os
    os.makedirs(os.path.dirname(os.path.abspath(out_file)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(out_file, dpi=dpi)
    return out_file


def _show(ax, image, title=None, interpolation='nearest', **kwargs):
    ax.imshow(image, interpolation=interpolation, **kwargs)
    if title:
        ax.set_title(title, fontsize=9)


# ----------------------------------------------------------------------------------------------
# Classification
# ----------------------------------------------------------------------------------------------
def plot_cls_rollout(result, out_file: str, title: Optional[str] = None, alpha: float = 0.5,
                     normalize: str = 'minmax', dpi: int = 100) -> str:
    """Image | heat map | blend of a :class:`ClsRolloutResult`; returns ``out_file``.

    ``normalize``: ``'minmax'`` (default) or ``'max'``, see :func:`normalize_map`.
    """
    fig, axes = _figure(1, 3)
    heat = normalize_map(result.heatmap, positive=False, mode=normalize)
    _show(axes[0, 0], result.image, 'input')
    _show(axes[0, 1], heat, 'attention roll-out', cmap='jet', vmin=0, vmax=1)
    _show(axes[0, 2], blend(result.image, heat, alpha),
          f'pred: {result.pred_class} ({result.pred_score:.2f})')
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, out_file, dpi)


def plot_cls_comparison(rows: Sequence[Tuple[str, Sequence]], out_file: str, alpha: float = 0.5,
                        normalize: str = 'minmax', dpi: int = 100) -> str:
    """One column per image: the input on top, then one row of roll-out blends per model.

    Args:
        rows: ``[(model_name, [ClsRolloutResult per image]), ...]``, e.g. without LIFE first.
    """
    if not rows or any(len(r) != len(rows[0][1]) for _, r in rows):
        raise ValueError('every model needs one result per image')
    n = len(rows[0][1])
    fig, axes = _figure(len(rows) + 1, n)
    for j in range(n):
        _show(axes[0, j], rows[0][1][j].image, 'input' if j == 0 else None)
    for i, (name, results) in enumerate(rows, start=1):
        axes[i, 0].set_ylabel(name, fontsize=10)
        for j, res in enumerate(results):
            heat = normalize_map(res.heatmap, positive=False, mode=normalize)
            _show(axes[i, j], blend(res.image, heat, alpha),
                  f'{res.pred_class} ({res.pred_score:.2f})')
    return _save(fig, out_file, dpi)


# ----------------------------------------------------------------------------------------------
# Dense prediction
# ----------------------------------------------------------------------------------------------
def _palette(palette, num: int) -> np.ndarray:
    if isinstance(palette, (list, tuple, np.ndarray)) and len(palette) >= num:
        return np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    rng = np.random.RandomState(42)
    return rng.randint(0, 256, (max(num, 1), 3)).astype(np.uint8)


def _draw_prediction(ax, result, alpha: float = 0.5):
    if result.task == 'seg':
        seg = result.seg
        pal = _palette(result.palette, int(seg.max()) + 1)
        color = pal[np.clip(seg, 0, len(pal) - 1)]
        shown = ((1 - alpha) * result.image + alpha * color).round().astype(np.uint8)
        _show(ax, shown, 'prediction')
        return
    from matplotlib.patches import Rectangle
    _show(ax, result.image, 'prediction')
    pal = _palette(result.palette, int(result.labels.max()) + 1 if len(result.labels) else 1)
    names = dict(zip(result.class_ids, result.class_names))
    for box, label, score in zip(result.boxes, result.labels, result.scores):
        if int(label) not in names:
            continue
        c = pal[int(label)] / 255.0
        x1, y1, x2, y2 = box
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=c, linewidth=1.2))
        ax.text(x1, y1, f'{names[int(label)]} {score:.2f}', fontsize=5, color='white',
                va='bottom', bbox=dict(facecolor=c, alpha=0.7, pad=0.5, linewidth=0))


def plot_dense_rollout(rows: Sequence[Tuple[Optional[str], object]], out_file: str,
                       alpha: float = 0.5, normalize: str = 'minmax', dpi: int = 100) -> str:
    """The Dense Roll-Out figure: per row input | prediction | global | class maps.

    The global map is scaled by ``normalize`` (see :func:`normalize_map`); each class map shows
    its positive part over its maximum.

    Args:
        rows: ``[(model_name or None, DenseRolloutResult), ...]``, one row each (e.g. without
            LIFE above with LIFE, for the same image).
    """
    if not rows:
        raise ValueError('nothing to plot')
    class_ids: List[int] = []
    names = {}
    for _, res in rows:
        for c, name in zip(res.class_ids, res.class_names):
            if c not in names:
                class_ids.append(c)
                names[c] = name
    fig, axes = _figure(len(rows), 3 + len(class_ids))
    for i, (model_name, res) in enumerate(rows):
        _show(axes[i, 0], res.image, 'input')
        if model_name:
            axes[i, 0].set_ylabel(model_name, fontsize=10)
        _draw_prediction(axes[i, 1], res, alpha)
        glob = normalize_map(res.global_map, positive=False, mode=normalize)
        _show(axes[i, 2], blend(res.image, glob, alpha), 'global attention')
        maps = dict(zip(res.class_ids, res.class_maps))
        for j, c in enumerate(class_ids, start=3):
            if c in maps:
                _show(axes[i, j], blend(res.image, normalize_map(maps[c]), alpha), names[c])
            else:
                _show(axes[i, j], np.full_like(res.image, 255), f'{names[c]} (not predicted)')
    return _save(fig, out_file, dpi)
