"""Text spans for the NER formats (CONLL 2003, spaCy): which control and text they read, and each
labeled document as the text with its spans in Python character offsets.

The editor counts offsets in UTF-16 units, which differ from Python's code points after any
character beyond the Basic Multilingual Plane (emoji, some CJK); the validator accepts both, so a
span whose quoted text does not match at code points is mapped from UTF-16 here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from labelwise import labeling
from labelwise.io.exporters.selection import ExportOptions, sources

Span = tuple[int, int, str]


@dataclass(frozen=True)
class SpanSource:
    control: str  # the Labels control
    key: str  # the data key of the Text it labels


@dataclass(frozen=True)
class Document:
    task_id: Any
    text: str
    spans: list[Span]  # sorted by (start, end)


def span_source(schema: labeling.Schema) -> SpanSource | None:
    for control in schema.controls.values():
        if control.type != "labels":
            continue
        for target in control.to_name:
            obj = schema.objects.get(target)
            if obj is not None and obj.type == "text" and obj.value_key and obj.value_type != "url":
                return SpanSource(control.name, obj.value_key)
    return None


def unavailable(schema: labeling.Schema) -> str | None:
    if span_source(schema) is None:
        return "needs a Labels control on a Text object that holds the text itself (not a URL)"
    return None


class _Offsets:
    """Maps UTF-16 offsets to code points; encodes the text only when a span needs it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.units: bytes | None = None

    def span(self, start: int, end: int, quoted: Any) -> tuple[int, int] | None:
        if 0 <= start < end <= len(self.text) and (
            not isinstance(quoted, str) or self.text[start:end] == quoted
        ):
            return start, end
        if self.units is None:
            self.units = self.text.encode("utf-16-le", "surrogatepass")
        if not 0 <= start < end or 2 * end > len(self.units):
            return None
        before = len(self.units[: 2 * start].decode("utf-16-le", "surrogatepass"))
        inside = len(self.units[2 * start : 2 * end].decode("utf-16-le", "surrogatepass"))
        return before, before + inside


def spans_of(result: list[dict[str, Any]], control: str, offsets: _Offsets) -> list[Span]:
    out: list[Span] = []
    for region in result:
        value = region.get("value")
        if region.get("from_name") != control or not isinstance(value, dict):
            continue
        labels, start, end = value.get("labels"), value.get("start"), value.get("end")
        if (
            not labels
            or not isinstance(labels, list)
            or not isinstance(start, int)
            or not isinstance(end, int)
        ):
            continue
        where = offsets.span(start, end, value.get("text"))
        if where is not None:
            out.append((where[0], where[1], str(labels[0])))  # one tag per token: the first label
    return sorted(out)


def documents(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[Document]:
    """One document per chosen annotation (and prediction), as LS writes one per annotation.

    A task nobody labeled is left out: written with all tokens outside, it would teach a model
    that its entities are not entities.
    """
    source = span_source(schema)
    if source is None:
        raise ValueError(unavailable(schema))
    for task in tasks:
        data = task.get("data")
        text = data.get(source.key) if isinstance(data, dict) else None
        if not isinstance(text, str):
            continue
        offsets = _Offsets(text)
        for chosen in sources(task, options):
            yield Document(task.get("id"), text, spans_of(chosen.result, source.control, offsets))
