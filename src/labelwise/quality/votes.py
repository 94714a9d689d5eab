"""Long-format votes as integer codes, whatever they came as.

Every estimator works on three aligned integer arrays (task, worker, label codes) plus the sorted unique
values they index, so the numerical code never touches a frame library. Frames are read through Narwhals,
which speaks pandas, Polars and others without depending on any of them; the name of the library the votes
came from is kept so results can be handed back in the same kind of frame (`labelwise.quality.frames`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import numpy.typing as npt

COLUMNS = ("task", "worker", "label")

VotesLike = (
    Any  # a pandas/Polars frame with task, worker, label columns; a (tasks, workers, labels) tuple; Votes
)


@dataclass(frozen=True)
class Votes:
    """Votes coded against sorted uniques: `tasks[task[i]]` is the task of vote i, and so on."""

    task: npt.NDArray[np.intp]
    worker: npt.NDArray[np.intp]
    label: npt.NDArray[np.intp]
    tasks: npt.NDArray[Any]
    workers: npt.NDArray[Any]
    classes: npt.NDArray[Any]
    backend: str  # "pandas", "polars", ... or "numpy" when arrays were given

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def __len__(self) -> int:
        return len(self.task)

    @classmethod
    def of(cls, data: VotesLike) -> Votes:
        """Code votes given as a frame with `task`, `worker`, `label` columns, as three arrays, or as Votes."""
        if isinstance(data, Votes):
            return data
        if isinstance(data, tuple | list) and len(data) == 3:
            return cls.from_arrays(*data)
        try:
            frame = nw.from_native(data, eager_only=True)
        except TypeError as exc:
            raise TypeError(
                "votes must be a data frame with task, worker and label columns, or three equal-length arrays"
            ) from exc
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(
                f"votes are missing the column(s) {', '.join(missing)}; they need {', '.join(COLUMNS)}"
            )
        backend = nw.get_native_namespace(frame).__name__.split(".")[0]
        columns = [frame[c].to_numpy() for c in COLUMNS]
        return cls.from_arrays(*columns, backend=backend)

    @classmethod
    def from_arrays(
        cls, tasks: Sequence[Any], workers: Sequence[Any], labels: Sequence[Any], *, backend: str = "numpy"
    ) -> Votes:
        arrays = [np.asarray(a) for a in (tasks, workers, labels)]
        if arrays[0].ndim != 1 or not all(a.shape == arrays[0].shape for a in arrays):
            raise ValueError("tasks, workers and labels must be one-dimensional and of equal length")
        for name, values in zip(COLUMNS, arrays, strict=True):
            if values.dtype.kind == "O" and any(
                v is None or (isinstance(v, float) and v != v) for v in values
            ):
                raise ValueError(f"{name} holds missing values; drop abstentions before aggregating")
            if values.dtype.kind == "f" and np.isnan(values).any():
                raise ValueError(f"{name} holds NaN; drop abstentions before aggregating")
        coded = [_factorize(a) for a in arrays]
        return cls(
            task=coded[0][1].astype(np.intp).ravel(),
            worker=coded[1][1].astype(np.intp).ravel(),
            label=coded[2][1].astype(np.intp).ravel(),
            tasks=coded[0][0],
            workers=coded[1][0],
            classes=coded[2][0],
            backend=backend,
        )


def _factorize(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """Sorted uniques and codes; values of mixed types (annotator ids next to `model:v2`) sort by type, then value."""
    try:
        uniques, codes = np.unique(values, return_inverse=True)
        return uniques, codes.astype(np.intp)
    except TypeError:
        seen: dict[Any, int] = {}
        first = np.fromiter(
            (seen.setdefault(v, len(seen)) for v in values.tolist()), dtype=np.intp, count=len(values)
        )
        keys = list(seen)
        order = sorted(range(len(keys)), key=lambda i: (type(keys[i]).__name__, str(keys[i])))
        rank = np.empty(len(keys), dtype=np.intp)
        rank[order] = np.arange(len(keys))
        uniques = np.empty(len(keys), dtype=object)
        uniques[:] = [keys[i] for i in order]
        return uniques, rank[first]
