"""Overlap measures between regions, all at once for every pair of two annotators' regions (matrices)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Box = tuple[float, float, float, float]  # x, y, width, height in percent of the image
Points = Sequence[tuple[float, float]]

RASTER = 256  # cells per side of the grid polygons are rasterized on (in percent of the image)


def interval_iou(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """IoU of every [start, end) of `a` (n x 2) with every one of `b` (m x 2)."""
    lo = np.maximum(a[:, None, 0], b[None, :, 0])
    hi = np.minimum(a[:, None, 1], b[None, :, 1])
    inter = np.clip(hi - lo, 0, None)
    union = (a[:, None, 1] - a[:, None, 0]) + (b[None, :, 1] - b[None, :, 0]) - inter
    result: npt.NDArray[np.float64] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return result


def box_iou(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """IoU of axis-aligned boxes given as (x, y, width, height) rows: n x 4 and m x 4 give n x m; a stack of
    them (k x n x 4 and k x m x 4) gives k x n x m, one matrix per pair of the stack."""
    ax2, ay2 = a[..., 0] + a[..., 2], a[..., 1] + a[..., 3]
    bx2, by2 = b[..., 0] + b[..., 2], b[..., 1] + b[..., 3]
    left = np.maximum(a[..., :, None, 0], b[..., None, :, 0])
    top = np.maximum(a[..., :, None, 1], b[..., None, :, 1])
    w = np.clip(np.minimum(ax2[..., :, None], bx2[..., None, :]) - left, 0, None)
    h = np.clip(np.minimum(ay2[..., :, None], by2[..., None, :]) - top, 0, None)
    inter = w * h
    union = (a[..., 2] * a[..., 3])[..., :, None] + (b[..., 2] * b[..., 3])[..., None, :] - inter
    result: npt.NDArray[np.float64] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return result


def polygon_masks(polygons: Sequence[Points]) -> npt.NDArray[np.bool_]:
    """Each polygon rasterized on a RASTER x RASTER grid over the image (even-odd rule, cell centres)."""
    centres = (np.arange(RASTER) + 0.5) * (100.0 / RASTER)
    px, py = np.meshgrid(centres, centres)
    masks = np.zeros((len(polygons), RASTER, RASTER), dtype=bool)
    for i, polygon in enumerate(polygons):
        pts = np.asarray(polygon, dtype=float)
        if len(pts) < 3:
            continue
        x0, y0 = pts[:, 0], pts[:, 1]
        x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
        inside = np.zeros((RASTER, RASTER), dtype=bool)
        for xa, ya, xb, yb in zip(x0, y0, x1, y1, strict=True):
            crosses = (ya > py) != (yb > py)
            with np.errstate(divide="ignore", invalid="ignore"):
                at = xa + (py - ya) * (xb - xa) / (yb - ya)
            inside ^= crosses & (px < at)
        masks[i] = inside
    return masks


def mask_iou(a: npt.NDArray[np.bool_], b: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    fa = a.reshape(len(a), -1).astype(np.float64)
    fb = b.reshape(len(b), -1).astype(np.float64)
    inter = fa @ fb.T
    union = fa.sum(axis=1)[:, None] + fb.sum(axis=1)[None, :] - inter
    result: npt.NDArray[np.float64] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return result


def distances(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Euclidean distance of every point of `a` (n x 2) to every point of `b`."""
    result: npt.NDArray[np.float64] = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
    return result
