"""Answers that are not one label from a fixed set (spans, boxes, texts), one row per (task, worker).

A worker who saw a task and marked nothing is an answer too (an empty list), which long-format rows of one
region each cannot say; so these estimators take crowd-kit's segmentation shape instead: columns `task`,
`worker` and one column holding the worker's whole answer. The rows are grouped per task here, with the
workers of a task in sorted order, so that the order of the rows never changes a result.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import narwhals as nw
import numpy as np
import numpy.typing as npt

from labelwise.quality import frames
from labelwise.quality.votes import _factorize


@dataclass(frozen=True)
class Answers:
    """Rows coded against sorted uniques: `tasks[task[i]]` answered `values[i]` from `workers[worker[i]]`."""

    task: npt.NDArray[np.intp]
    worker: npt.NDArray[np.intp]
    values: list[Any]
    tasks: npt.NDArray[Any]
    workers: npt.NDArray[Any]
    backend: str

    def __len__(self) -> int:
        return len(self.task)

    @classmethod
    def of(cls, data: Any, column: str) -> Answers:
        """Read a frame with `task`, `worker` and `column`, or three equal-length sequences."""
        if isinstance(data, Answers):
            return data
        if isinstance(data, tuple | list) and len(data) == 3:
            tasks, workers, values = (list(x) for x in data)
            backend = "numpy"
        else:
            try:
                frame = nw.from_native(data, eager_only=True)
            except TypeError as exc:
                raise TypeError(
                    f"answers must be a data frame with task, worker and {column} columns, or three "
                    "equal-length sequences"
                ) from exc
            missing = [c for c in ("task", "worker", column) if c not in frame.columns]
            if missing:
                raise ValueError(f"answers are missing the column(s) {', '.join(missing)}")
            backend = nw.get_native_namespace(frame).__name__.split(".")[0]
            tasks, workers, values = (frame[c].to_list() for c in ("task", "worker", column))
        if not len(tasks) == len(workers) == len(values):
            raise ValueError(f"task, worker and {column} must be of equal length")
        task_uniques, task_codes = _factorize(_objects(tasks))
        worker_uniques, worker_codes = _factorize(_objects(workers))
        seen: set[tuple[int, int]] = set()
        for pair in zip(task_codes.tolist(), worker_codes.tolist(), strict=True):
            if pair in seen:
                raise ValueError(
                    f"worker {plain(worker_uniques[pair[1]])!r} answered task {plain(task_uniques[pair[0]])!r} more than "
                    "once; give one row per task and worker"
                )
            seen.add(pair)
        return cls(task_codes, worker_codes, list(values), task_uniques, worker_uniques, backend)

    def groups(self) -> Iterator[tuple[int, npt.NDArray[np.intp]]]:
        """(task code, row indices of its answers in worker order), tasks in sorted order."""
        order = np.lexsort((self.worker, self.task))
        bounds = np.flatnonzero(np.diff(self.task[order])) + 1
        for rows in np.split(order, bounds) if len(order) else []:
            yield int(self.task[rows[0]]), rows

    def weights(self, skills: Any, default: float | None) -> npt.NDArray[np.float64]:
        """One weight per row: 1 without skills, else the worker's skill (a mapping or a pandas Series)."""
        if skills is None:
            return np.ones(len(self))
        mapping = dict(skills.items()) if hasattr(skills, "items") else dict(skills)
        per_worker = np.empty(len(self.workers))
        for i, worker in enumerate(self.workers.tolist()):
            if worker in mapping:
                per_worker[i] = float(mapping[worker])
            elif default is not None:
                per_worker[i] = default
            else:
                raise ValueError(
                    f"no skill for worker {worker!r}; pass default_skill to use a value for them"
                )
        if (per_worker < 0).any() or not np.isfinite(per_worker).all():
            raise ValueError("skills must be finite and not negative")
        return per_worker[self.worker]

    def per_task(self, values: Sequence[Any], name: str) -> Any:
        """One value per task in the caller's frame kind (regions become dicts for Polars, which has no
        tuples)."""
        if self.backend == "polars":
            values = [_plain(v) for v in values]
        boxed: npt.NDArray[Any]
        if all(isinstance(v, int | float) for v in values):
            boxed = np.asarray(values, dtype=np.float64)
        else:
            boxed = np.empty(len(values), dtype=object)
            boxed[:] = list(values)
        if self.backend == "pandas":
            return frames.series_of("pandas", self.tasks, "task", boxed, name)
        if self.backend == "polars":
            return frames.series_of("polars", self.tasks, "task", list(values), name)
        return boxed


def field(item: Any, names: Sequence[str], position: int) -> Any:
    """A region's field from a mapping (the first of `names` present) or from a sequence (by position)."""
    if isinstance(item, Mapping):
        for name in names:
            if name in item:
                value = item[name]
                if isinstance(value, list | tuple) and name.endswith("labels"):
                    if len(value) != 1:
                        raise ValueError(f"a region needs exactly one label, not {list(value)[:5]!r}")
                    return value[0]
                return value
        raise ValueError(f"a region has none of the fields {', '.join(names)}")
    try:
        return item[position]
    except (IndexError, TypeError) as exc:
        raise ValueError(f"a region must be a mapping or a sequence, not {item!r:.60}") from exc


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (for messages and mapping keys)."""
    return value.item() if isinstance(value, np.generic) else value


def _objects(values: list[Any]) -> npt.NDArray[Any]:
    """A typed array when every value has one plain type (so ids sort numerically), else objects."""
    kinds = {type(v) for v in values}
    if len(kinds) == 1 and kinds <= {int, float, str, np.int64, np.float64, np.str_}:
        return np.asarray(values)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return dict(value._asdict())
    return value


class Span(NamedTuple):
    """A text span in character offsets, end exclusive (Label Studio's `start`, `end`)."""

    start: int
    end: int
    label: Any  # any hashable: a string, or a tuple of strings for several labels


class Box(NamedTuple):
    """A rectangle in percent of the image (Label Studio's `x`, `y`, `width`, `height`)."""

    x: float
    y: float
    width: float
    height: float
    label: Any
