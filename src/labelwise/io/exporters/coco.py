"""COCO: `result.json` with images, annotations (boxes; polygons as segmentation) and categories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.images import ZipStream, pictures, source, unavailable_for
from labelwise.io.exporters.selection import ExportOptions

KINDS = ("rectanglelabels", "polygonlabels")
unavailable = unavailable_for(KINDS)


def write_coco(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    src = source(schema, KINDS)
    assert src is not None
    categories = {name: i for i, name in enumerate(src.labels)}
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for image_id, picture in enumerate(pictures(tasks, src, options)):
        images.append({"id": image_id, "file_name": f"images/{picture.file_name}", "width": picture.width,
                       "height": picture.height, "task_id": picture.task_id})  # fmt: skip
        for region in picture.regions:
            if region.label not in categories:
                categories[region.label] = len(categories)
            entry: dict[str, Any] = {
                "id": len(annotations), "image_id": image_id, "category_id": categories[region.label],
                "bbox": [region.x, region.y, region.w, region.h], "area": region.w * region.h,
                "iscrowd": 0, "ignore": 0, "segmentation": [],
            }  # fmt: skip
            if region.kind == "polygon":
                entry["segmentation"] = [[c for point in region.points for c in point]]
            annotations.append(entry)
    document = {
        "images": images,
        "categories": [{"id": i, "name": name} for name, i in categories.items()],
        "annotations": annotations,
        "info": {"description": "Labelwise export", "version": "1.0"},
    }
    out = ZipStream()
    yield out.add("result.json", dumps(document))
    yield out.finish()
