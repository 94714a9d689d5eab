"""Pascal VOC: one `Annotations/<image>.xml` per image, boxes as pixel corners."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.exporters.images import Picture, ZipStream, pictures, source, unavailable_for
from labelwise.io.exporters.selection import ExportOptions

KINDS = ("rectanglelabels",)
unavailable = unavailable_for(KINDS)


def _sub(parent: ET.Element, tag: str, text: object) -> ET.Element:
    node = ET.SubElement(parent, tag)
    node.text = str(text)
    return node


def document(picture: Picture) -> bytes:
    """ElementTree escapes every text node, so labels and names from users cannot break the XML."""
    root = ET.Element("annotation")
    _sub(root, "folder", "images")
    _sub(root, "filename", picture.file_name)
    size = ET.SubElement(root, "size")
    _sub(size, "width", picture.width or 0)
    _sub(size, "height", picture.height or 0)
    _sub(size, "depth", 3)
    for r in picture.regions:
        obj = ET.SubElement(root, "object")
        _sub(obj, "name", r.label)
        _sub(obj, "pose", "Unspecified")
        _sub(obj, "truncated", 0)
        _sub(obj, "difficult", 0)
        box = ET.SubElement(obj, "bndbox")
        for tag, value in (("xmin", r.x), ("ymin", r.y), ("xmax", r.x + r.w), ("ymax", r.y + r.h)):
            _sub(box, tag, round(value))
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def write_voc(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    src = source(schema, KINDS)
    assert src is not None
    out = ZipStream()
    for picture in pictures(tasks, src, options):
        yield out.add(f"Annotations/{posixpath.splitext(picture.file_name)[0]}.xml", document(picture))
    yield out.finish()
