"""JSON_MIN and JSONL: one flat record per annotation, as Label Studio's JSON_MIN writes it.

Data keys first, then one key per control with a simplified value (a choice string, a list of
spans, a number, a text), then who and when.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.selection import ExportOptions, labelled

# The key of `value` that holds the label of each result type.
_LABEL_KEYS = {
    "choices": "choices", "labels": "labels", "rectanglelabels": "rectanglelabels",
    "polygonlabels": "polygonlabels", "keypointlabels": "keypointlabels", "ellipselabels": "ellipselabels",
    "brushlabels": "brushlabels", "hypertextlabels": "htmllabels", "paragraphlabels": "paragraphlabels",
    "timeserieslabels": "timeserieslabels", "textarea": "text", "rating": "rating", "number": "number",
    "datetime": "datetime", "taxonomy": "taxonomy", "pairwise": "selected", "ranker": "ranker",
}  # fmt: skip
_SINGLE = ("rating", "number", "datetime", "pairwise")


def _simplify(control: labeling.ControlTag | None, regions: list[dict[str, Any]]) -> Any:
    kind = regions[0].get("type", "")
    key = _LABEL_KEYS.get(kind)
    values = [r.get("value", {}) for r in regions]
    if kind == "choices" and len(values) == 1:
        choices = values[0].get("choices", [])
        single = control is None or control.choice == "single"
        return choices[0] if single and len(choices) == 1 else choices
    if kind == "textarea":
        texts = [t for v in values for t in (v.get("text") or [])]
        return texts[0] if len(texts) == 1 else texts
    if kind in _SINGLE and len(values) == 1:
        return values[0].get(key or kind)
    out = []
    for v in values:  # regions: the geometry with the labels under Label Studio's key
        out.append({k: w for k, w in v.items()})
    return out


def record(
    task: dict[str, Any], schema: labeling.Schema, kind: str, source: dict[str, Any] | None
) -> dict[str, Any]:
    row: dict[str, Any] = dict(task.get("data") or {})
    row["id"] = task.get("id")
    if source is not None:
        by_control: dict[str, list[dict[str, Any]]] = {}
        for region in source.get("result") or []:
            name = region.get("from_name")
            if isinstance(name, str) and region.get("type") != "relation":
                by_control.setdefault(name, []).append(region)
        for name, regions in by_control.items():
            row[name] = _simplify(schema.controls.get(name), regions)
        if kind == "annotation":
            row["annotator"] = source.get("completed_by")
            row["annotation_id"] = source.get("id")
            row["lead_time"] = source.get("lead_time")
        else:
            row["prediction_id"] = source.get("id")
            row["model_version"] = source.get("model_version")
            row["score"] = source.get("score")
        row["created_at"] = source.get("created_at")
        row["updated_at"] = source.get("updated_at")
    return row


def rows(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[dict[str, Any]]:
    for task in tasks:
        for kind, source in labelled(task, options):
            yield record(task, schema, kind, source)


def write_json_min(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    yield b"["
    first = True
    buf: list[bytes] = []
    for row in rows(tasks, schema, options):
        buf.append(dumps(row) if first else b"," + dumps(row))
        first = False
        if len(buf) >= 500:
            yield b"".join(buf)
            buf.clear()
    yield b"".join(buf) + b"]"


def write_jsonl(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    """Whole Label Studio tasks, one per line: what a streaming consumer wants."""
    buf: list[bytes] = []
    for task in tasks:
        buf.append(dumps(task) + b"\n")
        if len(buf) >= 500:
            yield b"".join(buf)
            buf.clear()
    yield b"".join(buf)
