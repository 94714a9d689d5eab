"""Cohen's kappa for every pair of annotators, on the tasks each pair both labelled.

All pairs at once: with the (annotator, label) x task indicator matrix M, `M @ M.T` holds every pair's
confusion matrix, so a project's whole heatmap is one sparse product, not a loop over pairs and tasks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from labelwise.quality.votes import Votes, VotesLike


def cohen_kappa_matrix(data: VotesLike, min_overlap: int = 1) -> Any:
    """Annotators x annotators kappa (NaN where a pair shares fewer than `min_overlap` tasks; 1 on the diagonal).

    One vote per annotator and task is expected; if an annotator voted twice on a task, both count.
    pandas in: a DataFrame indexed and columned by worker; Polars in: a frame with a `worker` column first;
    arrays in: the matrix, with `Votes.of(data).workers` naming its rows.
    """
    votes = Votes.of(data)
    kappa = _kappa(votes, min_overlap)
    if votes.backend == "pandas":
        import pandas as pd

        index = pd.Index(votes.workers, name="worker")
        return pd.DataFrame(kappa, index=index, columns=pd.Index(votes.workers, name="worker"))
    if votes.backend == "polars":
        import polars as pl

        columns: dict[str, Any] = {"worker": votes.workers}
        columns.update({str(w): kappa[:, i] for i, w in enumerate(votes.workers)})
        return pl.DataFrame(columns)
    return kappa


def _kappa(votes: Votes, min_overlap: int) -> npt.NDArray[np.float64]:
    w, k = votes.n_workers, votes.n_classes
    rows = votes.worker * k + votes.label
    indicator = sparse.csr_matrix((np.ones(len(votes)), (rows, votes.task)), shape=(w * k, votes.n_tasks))
    confusion = np.asarray((indicator @ indicator.T).todense()).reshape(w, k, w, k)
    confusion = confusion.transpose(0, 2, 1, 3)  # [a, b, label of a, label of b]
    total = confusion.sum(axis=(2, 3))
    observed = np.einsum("abii->ab", confusion)
    marginal_a = confusion.sum(axis=3)
    marginal_b = confusion.sum(axis=2)
    chance = np.einsum("abi,abi->ab", marginal_a, marginal_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_o = observed / total
        p_e = chance / total**2
        kappa = (p_o - p_e) / (1.0 - p_e)
    kappa = np.where(
        np.isclose(p_e, 1.0) & np.isclose(p_o, 1.0), 1.0, kappa
    )  # both gave one label throughout
    kappa[total < max(min_overlap, 1)] = np.nan
    np.fill_diagonal(kappa, 1.0)
    result: npt.NDArray[np.float64] = kappa
    return result
