"""YOLO: a zip with `labels/<image>.txt` (`class cx cy w h` per box, normalized 0-1; `class x1 y1
x2 y2 ...` per polygon), `classes.txt` and `notes.json`, laid out as Label Studio's converter does.

Normalized coordinates are the stored percentages over 100, so no image size is needed; only a
turned box needs it, to find the upright box around it. A region with several labels gives one
line per label, as in LS.
"""

from __future__ import annotations

import datetime
import posixpath
from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.images import (
    POLYGONS,
    RECTANGLES,
    Region,
    image_source,
    pictures,
    unavailable_for,
)
from labelwise.io.exporters.selection import ExportOptions
from labelwise.io.exporters.zipstream import ZipStream

KINDS = (RECTANGLES, POLYGONS)
unavailable = unavailable_for(KINDS)


def _number(value: float) -> str:
    return repr(round(value, 6))


def geometry(region: Region, width: int | None, height: int | None) -> list[float]:
    """The numbers after the class id, normalized to the image."""
    if region.kind == POLYGONS:
        return [c / 100.0 for p in region.points() for c in p]
    turned = float(region.value.get("rotation") or 0.0) % 360 != 0
    if turned and width and height:
        x, y, w, h = region.bbox(width, height)
        x, y, w, h = x / width, y / height, w / width, h / height
    else:
        x, y, w, h = (float(region.value.get(k, 0)) / 100.0 for k in ("x", "y", "width", "height"))
    return [x + w / 2, y + h / 2, w, h]


def write_yolo(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    src = image_source(schema, KINDS)
    if src is None:
        raise ValueError(unavailable(schema))
    classes = dict(src.categories)
    out = ZipStream()
    for picture in pictures(tasks, src, options):
        lines = []
        for region in picture.regions:
            numbers = " ".join(_number(v) for v in geometry(region, picture.width, picture.height))
            for label in region.labels:
                if label not in classes:
                    classes[label] = max(classes.values(), default=-1) + 1
                lines.append(f"{classes[label]} {numbers}\n")
        stem = posixpath.splitext(picture.file_name)[0] or picture.file_name
        yield out.add(f"labels/{stem}.txt", "".join(lines).encode())
    ordered = sorted(classes.items(), key=lambda kv: kv[1])
    one_line = (" ".join(name.splitlines()) for name, _ in ordered)  # a line per class, whatever the label
    yield out.add("classes.txt", "".join(f"{name}\n" for name in one_line).encode())
    info = {"year": datetime.datetime.now(datetime.UTC).year, "version": "1.0", "contributor": "Labelwise"}
    notes = {"categories": [{"id": i, "name": name} for name, i in ordered], "info": info}
    yield out.add("notes.json", dumps(notes))
    yield out.finish()
