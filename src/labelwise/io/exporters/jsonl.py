"""JSON Lines: whole Label Studio task objects, one per line, for consumers that stream.

Unlike the label formats this keeps the task as Label Studio's JSON export has it (skipped
annotations and predictions included); only an explicit "ground_truth" or "latest" choice narrows
the `annotations` list, so the file can be re-imported with the labels that were asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.selection import ExportOptions, annotations_of

BATCH = 500


def write_jsonl(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    buf: list[bytes] = []
    for task in tasks:
        if options.annotations != "all":
            task = {**task, "annotations": annotations_of(task, options)}
        buf.append(dumps(task) + b"\n")
        if len(buf) >= BATCH:
            yield b"".join(buf)
            buf.clear()
    if buf:
        yield b"".join(buf)
