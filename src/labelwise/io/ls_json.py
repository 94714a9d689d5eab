"""Label Studio's JSON shapes of tasks, annotations and predictions.

Datetimes stay datetimes here; `io.encoding.dumps` writes them in Label Studio's format.

The REST API and the JSON exporter both speak these shapes, so they live in one place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Row

from labelwise.db.models import AnnotationHistory


class _Attrs(Mapping[str, Any]):
    """An ORM object seen as a mapping, so one set of functions serves objects and rows."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self._obj, key)
        except AttributeError as exc:
            raise KeyError(key) from exc

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _fields(obj: Any) -> Mapping[str, Any]:
    """Rows of a page are read through their C-level mapping; attribute access on a Row is slow."""
    if isinstance(obj, Row):
        mapping: Mapping[str, Any] = obj._mapping  # type: ignore[assignment]  # RowMapping keys are str here
        return mapping
    if isinstance(obj, Mapping):  # a row the service wrote and kept as a dict
        return obj
    return _Attrs(obj)


def _result_count(a: Mapping[str, Any]) -> int:
    """Rows read for pages carry a `result_count` column; ORM objects count their list."""
    count = a.get("result_count")
    if count is not None:
        return int(count)
    result = a["result"]
    return len(result) if isinstance(result, list) else 0


def annotation(obj: Any) -> dict[str, Any]:
    a = _fields(obj)
    return {
        "id": a["id"],
        "result": a["result"],
        "completed_by": a["completed_by_id"],
        "was_cancelled": a["was_cancelled"],
        "ground_truth": a["ground_truth"],
        "created_at": a["created_at"],
        "updated_at": a["updated_at"],
        "draft_created_at": a["draft_created_at"],
        "lead_time": a["lead_time"],
        "prediction": {},
        "result_count": _result_count(a),
        "unique_id": a["unique_id"],
        "import_id": a["import_id"],
        "last_action": a["last_action"],
        "bulk_created": False,
        "task": a["task_id"],
        "project": a["project_id"],
        "updated_by": a["updated_by_id"],
        "parent_prediction": a["parent_prediction_id"],
        "parent_annotation": a["parent_annotation_id"],
        "last_created_by": None,
    }


def prediction(obj: Any) -> dict[str, Any]:
    p = _fields(obj)
    return {
        "id": p["id"],
        "result": p["result"],
        "model_version": p["model_version"],
        "created_ago": "",
        "score": p["score"],
        "cluster": p["cluster"],
        "neighbors": None,
        "mislabeling": p["mislabeling"],
        "created_at": p["created_at"],
        "updated_at": p["updated_at"],
        "model": None,
        "model_run": None,
        "task": p["task_id"],
        "project": p["project_id"],
    }


def task(obj: Any, anns: list[Any] | None, preds: list[Any] | None) -> dict[str, Any]:
    """`obj` is a Task or a row of `tasks.task_rows()`; annotations and predictions likewise."""
    t = _fields(obj)
    out: dict[str, Any] = {
        "id": t["id"],
        "data": t["data"],
        "meta": t["meta"],
        "created_at": t["created_at"],
        "updated_at": t["updated_at"],
        "inner_id": t["inner_id"],
        "total_annotations": t["total_annotations"],
        "cancelled_annotations": t["cancelled_annotations"],
        "total_predictions": t["total_predictions"],
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": t["project_id"],
        "updated_by": None,
        "file_upload": None,
        "comment_authors": [],
        "is_labeled": t["is_labeled"],
        "overlap": 1,
    }
    if anns is not None:
        out["annotations"] = [annotation(a) for a in anns]
        out["drafts"] = []
    if preds is not None:
        out["predictions"] = [prediction(p) for p in preds]
    return out


def history(h: AnnotationHistory) -> dict[str, Any]:
    return {
        "id": h.id,
        "annotation_id": h.annotation_id,
        "task": h.task_id,
        "project": h.project_id,
        "created_by": h.user_id,
        "action": h.action,
        "result": h.result,
        "was_cancelled": h.was_cancelled,
        "ground_truth": h.ground_truth,
        "lead_time": h.lead_time,
        "created_at": h.created_at,
    }
