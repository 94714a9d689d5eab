"""Votes out of Label Studio JSON: one row per (task, annotator) for one control tag.

Takes the tasks of an export (`labelwise export --format JSON`, or Label Studio's own) as plain dicts, so a
notebook can go from an exported file to agreement and aggregation without the server. Skipped annotations
(`was_cancelled`) and annotations without a result for the control are abstentions and give no row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The key under `value` that holds the answer, by result type.
VALUE_KEYS = {
    "choices": "choices",
    "rating": "rating",
    "number": "number",
    "textarea": "text",
    "taxonomy": "taxonomy",
    "datetime": "datetime",
    "pairwise": "selected",
}


def votes_from_tasks(
    tasks: Iterable[Mapping[str, Any]], control: str, *, include_predictions: bool = False
) -> dict[str, list[Any]]:
    """Columns `task`, `worker`, `label` (ready for `pandas.DataFrame(...)` or `polars.DataFrame(...)`).

    A single choice, rating or number is the label itself; several choices become a sorted tuple (use
    Jaccard-based agreement for those); a TextArea's lines are joined with newlines. Annotators are
    `completed_by` ids; with `include_predictions`, each prediction votes as `model:<model_version>`, so models
    and LLMs are scored like people.
    """
    columns: dict[str, list[Any]] = {"task": [], "worker": [], "label": []}
    for task in tasks:
        task_id = task.get("id")
        sources: list[tuple[Any, Mapping[str, Any]]] = []
        for annotation in task.get("annotations") or ():
            if annotation.get("was_cancelled"):
                continue
            sources.append((_annotator(annotation), annotation))
        if include_predictions:
            for prediction in task.get("predictions") or ():
                sources.append((f"model:{prediction.get('model_version') or 'unnamed'}", prediction))
        for worker, source in sources:
            label = _answer(source.get("result") or (), control)
            if label is None:
                continue
            columns["task"].append(task_id)
            columns["worker"].append(worker)
            columns["label"].append(label)
    return columns


def _annotator(annotation: Mapping[str, Any]) -> Any:
    who = annotation.get("completed_by")
    if isinstance(who, Mapping):  # Label Studio's expanded user objects
        return who.get("id", who.get("email"))
    return who


def _answer(result: Iterable[Mapping[str, Any]], control: str) -> Any:
    for item in result:
        if item.get("from_name") != control:
            continue
        value = item.get("value") or {}
        key = VALUE_KEYS.get(str(item.get("type", "")).lower())
        if key is None or key not in value:
            continue
        answer = value[key]
        if key == "choices":
            return answer[0] if len(answer) == 1 else tuple(sorted(answer))
        if key == "text":
            return "\n".join(answer) if isinstance(answer, list) else answer
        if key == "taxonomy":
            return tuple(tuple(path) for path in answer)
        return answer
    return None
