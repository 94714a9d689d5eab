"""spaCy-style JSON Lines: `{"text": ..., "entities": [[start, end, label], ...]}` per document,
in Python character offsets, which is what `Doc.char_span` takes to build training examples."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.selection import ExportOptions
from labelwise.io.exporters.spans import documents, unavailable

__all__ = ["unavailable", "write_spacy"]

BATCH = 500


def write_spacy(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    buf: list[bytes] = []
    for doc in documents(tasks, schema, options):
        buf.append(dumps({"text": doc.text, "entities": [list(s) for s in doc.spans]}) + b"\n")
        if len(buf) >= BATCH:
            yield b"".join(buf)
            buf.clear()
    if buf:
        yield b"".join(buf)
