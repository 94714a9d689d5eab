"""Krippendorff's alpha for nominal, ordinal, interval and ratio data, with missing values.

Works from the coincidence matrix, built for all units at once from the units x values count matrix U:
`o = U.T diag(1/(m_u - 1)) U - diag(...)`, summed over units with two values or more. Alpha is
1 - (n - 1) * sum(o * d) / sum(n_c * n_k * d) for the level's squared distance d, as Krippendorff defines it
(and as the `krippendorff` package computes it).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse

from labelwise.quality.votes import Votes, VotesLike

Level = Literal["nominal", "ordinal", "interval", "ratio"]


def krippendorff_alpha(
    data: VotesLike | None = None,
    *,
    reliability_data: Any = None,
    level: Level = "nominal",
    value_domain: Any = None,
) -> float:
    """Alpha from long-format votes, or from a coders x units `reliability_data` matrix with NaN for missing.

    `value_domain` orders the values for the ordinal level (default: sorted values seen).
    """
    counts, values = _units_by_value(data, reliability_data, value_domain)
    return _alpha(counts, values, level)


def _units_by_value(
    data: VotesLike | None, reliability_data: Any, value_domain: Any
) -> tuple[sparse.csr_matrix, npt.NDArray[Any]]:
    if reliability_data is not None:
        matrix = np.asarray(reliability_data, dtype=float)
        if matrix.ndim != 2:
            raise ValueError("reliability_data must be a coders x units matrix")
        coder_idx, unit_idx = np.nonzero(~np.isnan(matrix))
        raw = matrix[coder_idx, unit_idx]
        units = unit_idx
        n_units = matrix.shape[1]
    else:
        if data is None:
            raise ValueError("give votes or reliability_data")
        votes = Votes.of(data)
        raw = votes.classes[votes.label]
        units = votes.task
        n_units = votes.n_tasks
    if value_domain is not None:
        domain = np.asarray(value_domain)
        position = {v: i for i, v in enumerate(domain.tolist())}
        unknown = sorted({v for v in np.asarray(raw).tolist() if v not in position}, key=str)
        if unknown:
            raise ValueError(f"values outside value_domain: {unknown[:5]}")
        codes = np.array([position[v] for v in np.asarray(raw).tolist()], dtype=np.intp)
        values = domain
    else:
        values, codes = np.unique(raw, return_inverse=True)
    counts = sparse.csr_matrix((np.ones(len(codes)), (units, codes.ravel())), shape=(n_units, len(values)))
    counts.sum_duplicates()
    return counts, values


def _alpha(counts: sparse.csr_matrix, values: npt.NDArray[Any], level: Level) -> float:
    pairable = np.asarray(counts.sum(axis=1)).ravel()
    keep = pairable >= 2
    counts = counts[keep]
    m = pairable[keep]
    if counts.shape[0] == 0:
        return float("nan")
    weights = sparse.diags(1.0 / (m - 1))
    coincidence = np.asarray((counts.T @ weights @ counts).todense())
    coincidence -= np.diag(np.asarray((weights @ counts).sum(axis=0)).ravel())
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    d = _distance(values, n_c, level)
    expected = float((np.outer(n_c, n_c) * d).sum())
    if expected == 0.0:
        return 1.0 if float((coincidence * d).sum()) == 0.0 else float("nan")
    return 1.0 - (float(n) - 1.0) * float((coincidence * d).sum()) / expected


def _distance(
    values: npt.NDArray[Any], n_c: npt.NDArray[np.float64], level: Level
) -> npt.NDArray[np.float64]:
    size = len(values)
    if level == "nominal":
        return 1.0 - np.eye(size)
    if level == "ordinal":
        cumulative = np.cumsum(n_c)
        # Distance between ranks c <= k: (sum of n_g for g in c..k) - (n_c + n_k) / 2, squared.
        start = cumulative - n_c
        between = cumulative[None, :] - start[:, None]
        between = np.where(np.arange(size)[None, :] >= np.arange(size)[:, None], between, between.T)
        result: npt.NDArray[np.float64] = (between - (n_c[:, None] + n_c[None, :]) / 2.0) ** 2
        np.fill_diagonal(result, 0.0)
        return result
    numeric: npt.NDArray[np.float64] = values.astype(float)
    if level == "interval":
        squared: npt.NDArray[np.float64] = (numeric[:, None] - numeric[None, :]) ** 2
        return squared
    if level == "ratio":
        total = numeric[:, None] + numeric[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(total == 0, 0.0, (numeric[:, None] - numeric[None, :]) / total)
        return ratio**2
    raise ValueError(f"level must be nominal, ordinal, interval or ratio, not {level!r}")
