"""Results handed back in the kind of frame the votes came in.

pandas in, pandas out, shaped as crowd-kit returns them (a Series or DataFrame indexed by task or worker);
Polars in, Polars out (a frame with the index as its first column, since Polars has no index); arrays in,
numpy out. pandas and Polars are imported only when the caller already uses them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality.votes import Votes


def series(
    votes: Votes, index: npt.NDArray[Any], index_name: str, values: npt.NDArray[Any], name: str
) -> Any:
    """One value per task or worker: a pandas Series indexed by `index_name`, a 2-column Polars frame, or the values."""
    return series_of(votes.backend, index, index_name, values, name)


def series_of(backend: str, index: npt.NDArray[Any], index_name: str, values: Any, name: str) -> Any:
    """`series` for estimators that have no `Votes` (regions, texts): `backend` names the frame library."""
    if backend == "pandas":
        import pandas as pd

        return pd.Series(values, index=pd.Index(index, name=index_name), name=name)
    if backend == "polars":
        import polars as pl

        return pl.DataFrame({index_name: index, name: values})
    return values


def matrix(
    votes: Votes, index: npt.NDArray[Any], index_name: str, values: npt.NDArray[np.float64], columns_name: str
) -> Any:
    """A row per task (or worker) and a column per class: probabilities, scores."""
    if votes.backend == "pandas":
        import pandas as pd

        return pd.DataFrame(
            values,
            index=pd.Index(index, name=index_name),
            columns=pd.Index(votes.classes, name=columns_name),
        )
    if votes.backend == "polars":
        import polars as pl

        data: dict[str, Any] = {index_name: index}
        data.update({str(c): values[:, i] for i, c in enumerate(votes.classes)})
        return pl.DataFrame(data)
    return values
