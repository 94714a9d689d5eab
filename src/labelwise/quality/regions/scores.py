"""Scores between two annotators' answers to one control, each between 0 (nothing shared) and 1 (the same).

Region kinds: F1 over one-to-one matches (optimal assignment on the similarity matrix; a match must reach
the threshold and carry the same labels). Both empty is full agreement; one empty is none.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Levenshtein
from scipy.optimize import linear_sum_assignment

from labelwise.quality.regions import geometry

Labels = Collection[str]


def matched_f1(
    similarity: npt.NDArray[np.float64], same_label: npt.NDArray[np.bool_], threshold: float, n: int, m: int
) -> float:
    """F1 of the largest one-to-one set of pairs that clear `threshold` with equal labels; among sets of that
    size, the one with the most total similarity (each eligible pair weighs 1 plus a bonus below 1 in total,
    so the count always dominates)."""
    if n == 0 and m == 0:
        return 1.0
    if n == 0 or m == 0:
        return 0.0
    eligible = same_label & (similarity >= threshold) & (similarity > 0)
    weight = np.where(eligible, 1.0 + similarity / (min(n, m) + 1), 0.0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    matches = int(eligible[rows, cols].sum())
    return 2.0 * matches / (n + m)


def _same_labels(a: Sequence[Labels], b: Sequence[Labels]) -> npt.NDArray[np.bool_]:
    sa, sb = [frozenset(x) for x in a], [frozenset(x) for x in b]
    return np.array([[x == y for y in sb] for x in sa], dtype=bool).reshape(len(sa), len(sb))


def span_f1(
    a: Sequence[tuple[int, int, Labels]], b: Sequence[tuple[int, int, Labels]], *, exact: bool = False,
    threshold: float = 0.5,
) -> float:  # fmt: skip
    """Text spans `(start, end, labels)`: matched by overlap (IoU >= threshold), or only when identical."""
    sim = geometry.interval_iou(_array([s[:2] for s in a], 2), _array([s[:2] for s in b], 2))
    if exact:
        sim = (sim >= 1.0 - 1e-12).astype(np.float64)
        threshold = 1.0
    return matched_f1(sim, _same_labels([s[2] for s in a], [s[2] for s in b]), threshold, len(a), len(b))


def box_f1(
    a: Sequence[tuple[geometry.Box, Labels]],
    b: Sequence[tuple[geometry.Box, Labels]],
    *,
    threshold: float = 0.5,
) -> float:
    """Axis-aligned boxes `((x, y, width, height), labels)` in percent, matched at IoU >= threshold."""
    sim = geometry.box_iou(_array([r[0] for r in a], 4), _array([r[0] for r in b], 4))
    return matched_f1(sim, _same_labels([r[1] for r in a], [r[1] for r in b]), threshold, len(a), len(b))


def polygon_f1(
    a: Sequence[tuple[geometry.Points, Labels]],
    b: Sequence[tuple[geometry.Points, Labels]],
    *,
    threshold: float = 0.5,
) -> float:
    """Polygons `(points, labels)` in percent, IoU measured on a 256x256 raster of the image."""
    if not a or not b:
        return matched_f1(
            np.zeros((len(a), len(b))), np.zeros((len(a), len(b)), bool), threshold, len(a), len(b)
        )
    sim = geometry.mask_iou(
        geometry.polygon_masks([r[0] for r in a]), geometry.polygon_masks([r[0] for r in b])
    )
    return matched_f1(sim, _same_labels([r[1] for r in a], [r[1] for r in b]), threshold, len(a), len(b))


def keypoint_f1(
    a: Sequence[tuple[tuple[float, float], Labels]],
    b: Sequence[tuple[tuple[float, float], Labels]],
    *,
    tolerance: float = 2.0,
) -> float:
    """Keypoints `((x, y), labels)` in percent, matched when no farther apart than `tolerance` percent."""
    d = geometry.distances(_array([r[0] for r in a], 2), _array([r[0] for r in b], 2))
    sim = np.where(d <= tolerance, 1.0 - d / (tolerance + 1e-12) * 0.5, 0.0)  # closer pairs are preferred
    return matched_f1(sim, _same_labels([r[1] for r in a], [r[1] for r in b]), 0.5, len(a), len(b))


def text_similarity(a: str, b: str) -> float:
    """1 minus the normalized edit distance (case and surrounding spaces ignored)."""
    x, y = " ".join(a.split()).casefold(), " ".join(b.split()).casefold()
    if not x and not y:
        return 1.0
    return float(Levenshtein.normalized_similarity(x, y))


def number_similarity(a: float, b: float, *, scale: float) -> float:
    """1 - |a - b| / scale (scale: the rating's maximum minus one, or a number's range), at least 0."""
    if scale <= 0:
        return 1.0 if a == b else 0.0
    return max(0.0, 1.0 - abs(float(a) - float(b)) / scale)


def jaccard(a: Collection[Any], b: Collection[Any]) -> float:
    """Multi-label choices: shared over combined (both empty: 1)."""
    sa, sb = set(a), set(b)
    return 1.0 if not sa and not sb else len(sa & sb) / len(sa | sb)


def _array(rows: Sequence[Any], width: int) -> npt.NDArray[np.float64]:
    return np.asarray(rows, dtype=float).reshape(len(rows), width)
