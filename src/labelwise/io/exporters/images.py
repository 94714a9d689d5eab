"""What the image formats (COCO, Pascal VOC, YOLO) share: the config they need, category ids as
Label Studio numbers them, an archive-safe file name per task's image, and regions in pixels.

Label Studio stores region geometry in percent of the image; pixels need the image size, which
the editor writes into each region as `original_width` / `original_height`. The images themselves
are never read.
"""

from __future__ import annotations

import itertools
import math
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from labelwise import labeling
from labelwise.io.exporters.json_min import annotator
from labelwise.io.exporters.selection import ExportOptions, primary

RECTANGLES = "rectanglelabels"
POLYGONS = "polygonlabels"
TAGS = {RECTANGLES: "RectangleLabels", POLYGONS: "PolygonLabels"}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
MAX_NAME = 200


@dataclass(frozen=True)
class ImageSource:
    image_key: str
    controls: tuple[str, ...]  # the region controls on that image
    categories: dict[str, int]  # label -> category id, before any label found only in results


def categories(controls: Iterable[labeling.ControlTag]) -> dict[str, int]:
    """LS's numbering: a label's `category` attribute when it is an integer, then the other labels
    in alphabetical order on the ids left free. Models trained on an LS export keep their classes."""
    ids: dict[str, int] = {}
    rest: set[str] = set()
    for control in controls:
        for option in control.options:
            explicit = option.attrs.get("category", "")
            if explicit.strip().lstrip("-").isdigit():
                ids[option.result_value] = int(explicit)
            else:
                rest.add(option.result_value)
    used = set(ids.values())
    free = (i for i in itertools.count() if i not in used)
    for label, i in zip(sorted(rest - ids.keys()), free, strict=False):
        ids[label] = i
    return ids


def image_source(schema: labeling.Schema, kinds: tuple[str, ...]) -> ImageSource | None:
    for obj in schema.objects.values():
        if obj.type != "image" or not obj.value_key:  # a valueList (multi-page) image has no one file
            continue
        controls = [c for c in schema.controls.values() if c.type in kinds and obj.name in c.to_name]
        if controls:
            return ImageSource(obj.value_key, tuple(c.name for c in controls), categories(controls))
    return None


def unavailable_for(kinds: tuple[str, ...]) -> Callable[[labeling.Schema], str | None]:
    def unavailable(schema: labeling.Schema) -> str | None:
        if image_source(schema, kinds) is None:
            return f"needs an Image object (one file per task) with {' or '.join(TAGS[k] for k in kinds)}"
        return None

    return unavailable


@dataclass(slots=True)
class Region:
    kind: str  # RECTANGLES or POLYGONS
    labels: tuple[str, ...]
    value: dict[str, Any]  # percent geometry as stored

    @property
    def label(self) -> str:
        return self.labels[0]

    def points(self) -> list[tuple[float, float]]:
        """Corners (a box, turned about its top-left corner as LS turns it) or vertices, in percent."""
        if self.kind == POLYGONS:
            points = self.value.get("points") or []
            return [(float(p[0]), float(p[1])) for p in points if isinstance(p, list | tuple) and len(p) >= 2]
        x, y = float(self.value.get("x", 0)), float(self.value.get("y", 0))
        w, h = float(self.value.get("width", 0)), float(self.value.get("height", 0))
        return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]

    def pixels(self, width: float, height: float) -> list[tuple[float, float]]:
        sx, sy = width / 100.0, height / 100.0
        corners = [(px * sx, py * sy) for px, py in self.points()]
        angle = float(self.value.get("rotation") or 0.0) if self.kind == RECTANGLES else 0.0
        if angle % 360 == 0:
            return corners
        # The turn happens in pixels: in percent units it would shear a box on a non-square image.
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        ox, oy = corners[0]
        return [
            (ox + (px - ox) * cos - (py - oy) * sin, oy + (px - ox) * sin + (py - oy) * cos)
            for px, py in corners
        ]

    def bbox(self, width: float, height: float) -> tuple[float, float, float, float]:
        """x, y, width, height in pixels of the upright box around the region."""
        pts = self.pixels(width, height)
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


@dataclass(slots=True)
class Picture:
    task_id: Any
    file_name: str  # archive-safe, unique in this export
    width: int | None  # pixels, from the regions; None when no region says
    height: int | None
    regions: list[Region]
    annotator: Any


class Names:
    """Archive-safe, unique file names from image URLs: the basename only, no separators, no `..`.

    The name stays the image's own where it can (label files pair with images by name); a task
    whose name is taken gets its id in front. The set of names grows with the export, as the zip's
    own central directory does.
    """

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, url: Any, task_id: Any) -> str:
        name = _UNSAFE.sub("_", _basename(url)).strip(" ")
        if name.strip(".") == "":
            name = f"task-{task_id}"
        if len(name) > MAX_NAME:
            stem, ext = posixpath.splitext(name)
            name = stem[: MAX_NAME - len(ext[:20])] + ext[:20]
        while self._key(name) in self.used:  # an image may itself be called "<id>-<name>"
            name = f"{task_id}-{name}"
        self.used.add(self._key(name))
        return name

    @staticmethod
    def _key(name: str) -> str:
        """Label files are named by the stem, and unpack onto file systems that ignore case:
        `x.jpg`, `x.png` and `X.jpg` would all write `labels/x.txt`."""
        return posixpath.splitext(name)[0].casefold()


def _basename(url: Any) -> str:
    if not isinstance(url, str) or not url:
        return ""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if path.rstrip("/").endswith("/data/local-files") or not posixpath.basename(path):
        found = parse_qs(parts.query).get("d")  # LS local files: /data/local-files/?d=dir/x.jpg
        path = found[0] if found else path
    return posixpath.basename(path.replace("\\", "/").rstrip("/"))


def _size(raw: Any) -> int | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool) and raw > 0:
        return int(raw)
    return None


def pictures(tasks: Iterable[dict[str, Any]], src: ImageSource, options: ExportOptions) -> Iterator[Picture]:
    """One picture per task with a chosen annotation (see `selection.primary`): one labeling per
    image, because a label file per image cannot hold two annotators' disagreeing boxes."""
    names = Names()
    for task in tasks:
        chosen = primary(task, options)
        if chosen is None:
            continue
        regions: list[Region] = []
        width = height = None
        for r in chosen.result:
            kind, value = r.get("type"), r.get("value")
            if r.get("from_name") not in src.controls or kind not in TAGS or not isinstance(value, dict):
                continue
            labels = value.get(kind) or value.get("labels")
            if not labels or not isinstance(labels, list):
                continue
            width = width or _size(r.get("original_width"))
            height = height or _size(r.get("original_height"))
            regions.append(Region(kind, tuple(str(x) for x in labels), value))
        data = task.get("data")
        url = data.get(src.image_key) if isinstance(data, dict) else None
        who = annotator(chosen.item.get("completed_by"))
        yield Picture(task.get("id"), names(url, task.get("id")), width, height, regions, who)
