"""JSON_MIN: one flat record per annotation, shaped as Label Studio's converter shapes it.

A record is the task's data, then `id`, then one key per control with Label Studio's simplified
value, then who and when. The simplification is LS's own, quirks included, because scripts written
against LS exports index into exactly these shapes:

- Choices: the choice string when one was picked, else the value dict (`{"choices": [...]}`);
- TextArea: the text when one was written, else the value dict; several regions give a list;
- anything else (spans, boxes, ratings, taxonomies...): the list of region values, with the image
  size (`original_width`, `original_height`) copied in where the result carries it.

CSV, TSV and Parquet flatten these same records, so they are built here once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.selection import ANNOTATION, PREDICTION, ExportOptions, Source, sources

WHO_AND_WHEN = ("annotator", "annotation_id", "created_at", "updated_at", "lead_time")
PREDICTION_KEYS = ("origin", "prediction_id", "model_version", "score")
_COPIED = ("original_width", "original_height")
_UNWRAPPED = {"choices": "choices", "textarea": "text"}
BATCH = 500


def simplify(control_type: str, regions: list[dict[str, Any]]) -> Any:
    """The value LS's JSON_MIN writes for one control's regions of one annotation."""
    key = _UNWRAPPED.get(control_type)
    out: list[Any] = []
    for region in regions:
        value = dict(region.get("value") or {})
        for name in _COPIED:
            if name in region:
                value[name] = region[name]
        inner = value.get(key) if key else None
        if isinstance(inner, str):  # a TextArea value may hold a bare string
            inner = [inner]
        out.append(inner[0] if isinstance(inner, list) and len(inner) == 1 else value)
    return out[0] if key and len(out) == 1 else out


def annotator(completed_by: Any) -> Any:
    """LS writes the email when the export expanded the user, the id otherwise."""
    if isinstance(completed_by, dict):
        return completed_by.get("email")
    return completed_by


def record(
    task: dict[str, Any], schema: labeling.Schema, source: Source | None, options: ExportOptions
) -> dict[str, Any]:
    data = task.get("data")
    row: dict[str, Any] = dict(data) if isinstance(data, dict) else {}
    row["id"] = task.get("id")
    by_control: dict[str, list[dict[str, Any]]] = {}
    for region in source.result if source else ():
        name = region.get("from_name")
        if isinstance(name, str) and name in schema.controls:  # relations have no from_name
            by_control.setdefault(name, []).append(region)
    for name, regions in by_control.items():
        row[name] = simplify(schema.controls[name].type, regions)
    item = source.item if source else {}
    is_annotation = source is not None and source.kind == ANNOTATION
    row["annotator"] = annotator(item.get("completed_by")) if is_annotation else None
    row["annotation_id"] = item.get("id") if is_annotation else None
    row["created_at"] = item.get("created_at")
    row["updated_at"] = item.get("updated_at")
    row["lead_time"] = item.get("lead_time") if is_annotation else None
    if "agreement" in task:
        row["agreement"] = task["agreement"]
    if options.annotations == "aggregated":  # the consensus' lowest confidence over its controls
        row["confidence"] = item.get("score") if is_annotation else None
    if options.include_predictions:
        is_prediction = source is not None and source.kind == PREDICTION
        row["origin"] = source.kind if source else None
        row["prediction_id"] = item.get("id") if is_prediction else None
        row["model_version"] = item.get("model_version") if is_prediction else None
        row["score"] = item.get("score") if is_prediction else None
    return row


def rows(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[dict[str, Any]]:
    """One record per chosen annotation (and prediction); a task with none still gets one row."""
    for task in tasks:
        found = False
        for source in sources(task, options):
            found = True
            yield record(task, schema, source, options)
        if not found:
            yield record(task, schema, None, options)


def peek(tasks: Iterable[dict[str, Any]]) -> tuple[dict[str, Any] | None, Iterator[dict[str, Any]]]:
    """The first task, and all tasks again: tabular headers look at one task, never at all."""
    it = iter(tasks)
    first = next(it, None)
    return first, (it if first is None else itertools.chain((first,), it))


def columns(schema: labeling.Schema, options: ExportOptions, first: dict[str, Any] | None) -> list[str]:
    """Every key a record can have, known before the first row is written.

    The config names the data keys and controls; the first task adds data keys the config does
    not read (import columns such as an external id). A key that first appears in a later task is
    not a column: one pass over a million tasks cannot go back and widen the header.
    """
    data = first.get("data") if first else None
    extra = list(data) if isinstance(data, dict) else []
    tail = ["agreement"] if first and "agreement" in first else []
    if options.annotations == "aggregated":
        tail.append("confidence")
    if options.include_predictions:
        tail += PREDICTION_KEYS
    keys = [*schema.data_keys, *extra, "id", *schema.controls, *WHO_AND_WHEN, *tail]
    return list(dict.fromkeys(str(k) for k in keys))


def write_json_min(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    yield b"["
    buf: list[bytes] = []
    for n, row in enumerate(rows(tasks, schema, options)):
        buf.append(dumps(row) if n == 0 else b",\n" + dumps(row))
        if len(buf) >= BATCH:
            yield b"".join(buf)
            buf.clear()
    buf.append(b"]")
    yield b"".join(buf)
