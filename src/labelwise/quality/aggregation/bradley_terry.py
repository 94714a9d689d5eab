"""Bradley-Terry: a score per item from pairwise comparisons (Pairwise results, "which answer is better").

Input is crowd-kit's pairwise format, a frame with `left`, `right` and `label` (the item that won; a
`worker` column may be there and is ignored). Scores are the maximum-likelihood strengths, found with
Hunter's minorization-maximization updates until they move less than `tol` (sum of absolute changes), and
normalized to sum to 1. crowd-kit 1.4.2's loop compares each update with itself (its previous-scores
variable is the same array), so it always stops after two updates; one update of each is the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import narwhals as nw
import numpy as np
import numpy.typing as npt

from labelwise.quality.votes import _factorize


@dataclass
class BradleyTerry:
    n_iter: int = 1000
    tol: float = 1e-8
    loss_history_: list[float] = field(default_factory=list, init=False, repr=False)

    def fit(self, data: Any) -> BradleyTerry:
        frame = nw.from_native(data, eager_only=True)
        missing = [c for c in ("left", "right", "label") if c not in frame.columns]
        if missing:
            raise ValueError(f"comparisons are missing the column(s) {', '.join(missing)}")
        self._backend = nw.get_native_namespace(frame).__name__.split(".")[0]
        left, right, winner = (np.asarray(frame[c].to_numpy()) for c in ("left", "right", "label"))
        bad = (winner != left) & (winner != right)
        if bad.any():
            raise ValueError(f"row {int(np.argmax(bad))}: label must be the left or the right item")
        items, codes = _factorize(np.concatenate([left, right]))
        n = len(left)
        wins = _win_matrix(codes[:n], codes[n:], winner == left, len(items))
        self.items_ = items
        self.score_values_ = self._scores(wins)
        return self

    def fit_predict(self, data: Any) -> Any:
        return self.fit(data).scores_

    def _scores(self, wins: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        games = wins + wins.T
        won = wins.sum(axis=1)
        p = np.full(len(wins), 1.0 / max(len(wins), 1))
        self.loss_history_ = []
        for _ in range(self.n_iter):
            with np.errstate(divide="ignore", invalid="ignore"):
                pair = np.where(games > 0, games / (p[:, None] + p[None, :]), 0.0)
            new = won / pair.sum(axis=0)
            new = np.nan_to_num(new) / np.nan_to_num(new).sum()
            change = float(np.abs(new - p).sum())
            self.loss_history_.append(change)
            p = new
            if change < self.tol:
                break
        return p

    @property
    def scores_(self) -> Any:
        """pandas: a Series of scores indexed by item (crowd-kit's shape); Polars: item, score; else the array."""
        if self._backend == "pandas":
            import pandas as pd

            return pd.Series(self.score_values_, index=self.items_)
        if self._backend == "polars":
            import polars as pl

            return pl.DataFrame({"item": self.items_, "score": self.score_values_})
        return self.score_values_

    @property
    def ranking_(self) -> list[Any]:
        """Items from the strongest down."""
        return [self.items_[i] for i in np.argsort(-self.score_values_, kind="stable")]


def _win_matrix(
    left: npt.NDArray[np.intp], right: npt.NDArray[np.intp], left_won: npt.NDArray[np.bool_], n: int
) -> npt.NDArray[np.float64]:
    """wins[i, j]: how often i beat j."""
    winners = np.where(left_won, left, right)
    losers = np.where(left_won, right, left)
    counts = np.bincount(winners * n + losers, minlength=n * n).astype(np.float64)
    result: npt.NDArray[np.float64] = counts.reshape(n, n)
    return result
