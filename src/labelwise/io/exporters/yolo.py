"""YOLO: `labels/<image>.txt` with `class cx cy w h` normalized to 0-1, and `classes.txt`."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.images import ZipStream, pictures, source, unavailable_for
from labelwise.io.exporters.selection import ExportOptions

KINDS = ("rectanglelabels",)
unavailable = unavailable_for(KINDS)


def write_yolo(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    src = source(schema, KINDS)
    assert src is not None
    classes = {name: i for i, name in enumerate(src.labels)}
    out = ZipStream()
    for picture in pictures(tasks, src, options):
        if not picture.width or not picture.height:
            continue
        lines = []
        for r in picture.regions:
            if r.label not in classes:
                classes[r.label] = len(classes)
            cx, cy = (r.x + r.w / 2) / picture.width, (r.y + r.h / 2) / picture.height
            lines.append(
                f"{classes[r.label]} {cx:.6f} {cy:.6f} {r.w / picture.width:.6f} {r.h / picture.height:.6f}"
            )
        stem = posixpath.splitext(picture.file_name)[0]
        yield out.add(f"labels/{stem}.txt", ("\n".join(lines) + "\n" if lines else "").encode())
    yield out.add("classes.txt", ("\n".join(classes) + "\n").encode())
    notes = {
        "categories": [{"id": i, "name": n} for n, i in classes.items()],
        "info": {"year": 2026, "contributor": "Labelwise"},
    }
    yield out.add("notes.json", dumps(notes))
    yield out.finish()
