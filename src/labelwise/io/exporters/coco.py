"""COCO: a zip with `result.json` holding images, annotations (boxes; polygons as segmentation)
and categories, in the shape Label Studio's converter writes.

The document is streamed into its zip entry: images are written as tasks arrive, annotations wait
in a temporary file that spills to disk, and categories come last because a result may carry a
label the config no longer has. Key order does not matter to COCO readers; memory does.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.images import (
    POLYGONS,
    RECTANGLES,
    ImageSource,
    Picture,
    image_source,
    pictures,
    unavailable_for,
)
from labelwise.io.exporters.selection import ExportOptions
from labelwise.io.exporters.zipstream import ZipStream

KINDS = (RECTANGLES, POLYGONS)
unavailable = unavailable_for(KINDS)
SPOOL_BYTES = 16 * 1024 * 1024
CHUNK = 64 * 1024


def polygon_area(points: list[tuple[float, float]]) -> float:
    """The shoelace formula; COCO's `area` of a polygon is the area it encloses, not its box's."""
    twice = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True))
    return abs(twice) / 2.0


def entries(picture: Picture, image_id: int, next_id: int, ids: dict[str, int]) -> Iterator[dict[str, Any]]:
    """COCO annotations of one picture; labels the config lacks are given the next free ids."""
    if not picture.width or not picture.height:  # pixels need the size; LS skips these regions too
        return
    for region in picture.regions:
        if region.label not in ids:
            ids[region.label] = max(ids.values(), default=-1) + 1
        x, y, w, h = region.bbox(picture.width, picture.height)
        entry: dict[str, Any] = {"id": next_id, "image_id": image_id, "category_id": ids[region.label]}
        if region.kind == POLYGONS:
            pts = region.pixels(picture.width, picture.height)
            if len(pts) < 3:
                continue
            entry.update(
                segmentation=[[c for p in pts for c in p]], bbox=[x, y, w, h], area=polygon_area(pts)
            )
        else:
            entry.update(segmentation=[], bbox=[x, y, w, h], area=w * h)
        entry.update(ignore=0, iscrowd=0)
        next_id += 1
        yield entry


def document(tasks: Iterable[dict[str, Any]], src: ImageSource, options: ExportOptions) -> Iterator[bytes]:
    ids = dict(src.categories)
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        yield b'{"images":['
        buf = bytearray()
        for image_id, picture in enumerate(pictures(tasks, src, options)):
            image = {"width": picture.width, "height": picture.height, "id": image_id,
                     "file_name": f"images/{picture.file_name}", "task_id": picture.task_id}  # fmt: skip
            buf += (b"," if image_id else b"") + dumps(image)
            if len(buf) >= CHUNK:
                yield bytes(buf)
                buf.clear()
            for entry in entries(picture, image_id, count, ids):
                spool.write((b"," if count else b"") + dumps(entry))
                count += 1
        yield bytes(buf) + b'],"annotations":['
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk
    now = datetime.datetime.now(datetime.UTC)
    info = {"year": now.year, "version": "1.0", "description": "", "contributor": "Labelwise", "url": "",
            "date_created": now.isoformat()}  # fmt: skip
    listed = [{"id": i, "name": name} for name, i in sorted(ids.items(), key=lambda kv: kv[1])]
    yield b'],"categories":' + dumps(listed) + b',"info":' + dumps(info) + b"}"


def write_coco(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    src = image_source(schema, KINDS)
    if src is None:
        raise ValueError(unavailable(schema))
    out = ZipStream()
    yield from out.add_stream("result.json", document(tasks, src, options))
    yield out.finish()
