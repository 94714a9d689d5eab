"""Text spans for NER tools: CONLL 2003 (token per line, IOB tags) and spaCy-style JSONL.

Both take one annotation per task (the export's selection; with several, each becomes its own
document) and the first Labels control that reads a Text object.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.selection import ExportOptions, annotations_of

_TOKEN = re.compile(r"\S+")


def span_source(schema: labeling.Schema) -> tuple[str, str] | None:
    """(labels control name, text data key) of the first Labels on a Text, if any."""
    for control in schema.controls.values():
        if control.type != "labels":
            continue
        for target in control.to_name:
            obj = schema.objects.get(target)
            if obj is not None and obj.type == "text" and obj.value_key:
                return control.name, obj.value_key
    return None


def unavailable(schema: labeling.Schema) -> str | None:
    if span_source(schema) is None:
        return "needs a Labels control on a Text object (named-entity spans)"
    return None


def _documents(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    source = span_source(schema)
    assert source is not None
    control, key = source
    for task in tasks:
        text = (task.get("data") or {}).get(key)
        if not isinstance(text, str):
            continue
        for annotation in annotations_of(task, options):
            spans = []
            for region in annotation.get("result") or []:
                value = region.get("value") or {}
                labels = value.get("labels") or []
                if region.get("from_name") == control and labels and "start" in value and "end" in value:
                    spans.append((int(value["start"]), int(value["end"]), str(labels[0])))
            yield text, sorted(spans)


def write_conll(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    """`-DOCSTART- -X- O O`, then `token -X- _ TAG` lines with IOB tags, a blank line between documents."""
    for text, spans in _documents(tasks, schema, options):
        lines = ["-DOCSTART- -X- O O", ""]
        for match in _TOKEN.finditer(text):
            tag = "O"
            for start, end, label in spans:
                if match.start() < end and match.end() > start:  # the token overlaps the span
                    tag = ("B-" if match.start() <= start else "I-") + label
                    break
            lines.append(f"{match.group()} -X- _ {tag}")
        lines.append("")
        yield ("\n".join(lines) + "\n").encode()


def write_spacy(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    """One `{"text", "entities": [[start, end, label], ...]}` line per document, character offsets."""
    for text, spans in _documents(tasks, schema, options):
        yield dumps({"text": text, "entities": [list(s) for s in spans]}) + b"\n"
