"""What the image formats (COCO, Pascal VOC, YOLO) share: which config they need, a safe file
name per task's image, regions in pixels, and a zip written as it goes."""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from labelwise import labeling
from labelwise.io.exporters.selection import ExportOptions, annotations_of
from labelwise.io.exporters.sink import Sink

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
TAGS = {"rectanglelabels": "RectangleLabels", "polygonlabels": "PolygonLabels"}


@dataclass(frozen=True)
class Source:
    image_key: str
    controls: tuple[str, ...]  # RectangleLabels / PolygonLabels on that image
    labels: tuple[str, ...]  # category names, in config order


def source(schema: labeling.Schema, kinds: tuple[str, ...] = ("rectanglelabels",)) -> Source | None:
    for obj in schema.objects.values():
        if obj.type != "image" or not obj.value_key:
            continue
        controls = [c for c in schema.controls.values() if c.type in kinds and obj.name in c.to_name]
        if controls:
            labels = dict.fromkeys(o.value for c in controls for o in c.options)
            return Source(obj.value_key, tuple(c.name for c in controls), tuple(labels))
    return None


def unavailable_for(kinds: tuple[str, ...]) -> Any:
    def check(schema: labeling.Schema) -> str | None:
        if source(schema, kinds) is None:
            return f"needs an Image object with {' or '.join(TAGS[k] for k in kinds)}"
        return None

    return check


@dataclass
class Region:
    label: str
    kind: str  # "box" or "polygon"
    x: float  # pixels
    y: float
    w: float
    h: float
    points: list[tuple[float, float]]


@dataclass
class Picture:
    task_id: int
    file_name: str
    width: int | None
    height: int | None
    regions: list[Region]


class Names:
    """Archive-safe, unique file names from image URLs: the basename only, no `..`, no slashes."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, url: Any, task_id: int) -> str:
        base = posixpath.basename(unquote(urlsplit(str(url or "")).path)) if url else ""
        name = _UNSAFE.sub("_", base).strip("._") or f"task-{task_id}.jpg"
        if name in self.used:
            name = f"{task_id}-{name}"
        self.used.add(name)
        return name


def pictures(tasks: Iterable[dict[str, Any]], src: Source, options: ExportOptions) -> Iterator[Picture]:
    names = Names()
    for task in tasks:
        url = (task.get("data") or {}).get(src.image_key)
        for annotation in annotations_of(task, options):
            regions: list[Region] = []
            width = height = None
            for r in annotation.get("result") or []:
                if r.get("from_name") not in src.controls:
                    continue
                width = r.get("original_width") or width
                height = r.get("original_height") or height
                value = r.get("value") or {}
                labels = (
                    value.get(r.get("type", "")) or value.get("rectanglelabels") or value.get("polygonlabels")
                )
                if not labels or not width or not height:
                    continue
                sx, sy = width / 100.0, height / 100.0
                if "points" in value:
                    pts = [(float(px) * sx, float(py) * sy) for px, py in value["points"]]
                    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
                    box = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
                    regions.append(Region(str(labels[0]), "polygon", *box, pts))
                else:
                    x, y = float(value.get("x", 0)) * sx, float(value.get("y", 0)) * sy
                    w, h = float(value.get("width", 0)) * sx, float(value.get("height", 0)) * sy
                    regions.append(Region(str(labels[0]), "box", x, y, w, h, []))
            yield Picture(
                int(task.get("id") or 0), names(url, int(task.get("id") or 0)), width, height, regions
            )


class ZipStream(Sink):
    """A zip written into a `Sink`, its bytes taken out after each entry."""

    def __init__(self) -> None:
        super().__init__()
        self.zip = zipfile.ZipFile(self, "w", zipfile.ZIP_DEFLATED)

    def add(self, name: str, data: bytes) -> bytes:
        self.zip.writestr(name, data)
        return self.take()

    def finish(self) -> bytes:
        self.zip.close()
        return self.take()
