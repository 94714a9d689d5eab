"""Pascal VOC: a zip with one `Annotations/<image>.xml` per image, boxes as pixel corners.

The layout and the integer truncation of coordinates follow Label Studio's converter, so tools
that read its VOC exports read these. Every text node is escaped, after characters XML 1.0 cannot
carry at all are replaced.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

from labelwise import labeling
from labelwise.io.exporters.images import RECTANGLES, Picture, image_source, pictures, unavailable_for
from labelwise.io.exporters.selection import ExportOptions
from labelwise.io.exporters.zipstream import ZipStream

KINDS = (RECTANGLES,)
unavailable = unavailable_for(KINDS)
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    """A text node: characters XML cannot carry replaced, then markup escaped."""
    return escape(_NOT_XML.sub("\ufffd", "" if value is None else str(value)))


def document(picture: Picture, width: int, height: int) -> bytes:
    """The XML written from a template (ElementTree cost ten times more per image) in which every
    value passes through `_text`: a label or a file name cannot close a tag."""
    objects = []
    for region in picture.regions:
        x, y, w, h = (int(v) for v in region.bbox(width, height))
        objects.append(
            "  <object>\n"
            f"    <name>{_text(region.label)}</name>\n"
            "    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n    <difficult>0</difficult>\n"
            f"    <bndbox>\n      <xmin>{x}</xmin>\n      <ymin>{y}</ymin>\n"
            f"      <xmax>{x + w}</xmax>\n      <ymax>{y + h}</ymax>\n    </bndbox>\n"
            "  </object>\n"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n<annotation>\n  <folder>images</folder>\n"
        f"  <filename>{_text(picture.file_name)}</filename>\n"
        f"  <source>\n    <database>Labelwise</database>\n    <annotator>{_text(picture.annotator)}</annotator>\n"
        "  </source>\n"
        f"  <size>\n    <width>{int(width)}</width>\n    <height>{int(height)}</height>\n    <depth>3</depth>\n"
        "  </size>\n  <segmented>0</segmented>\n"
        f"{''.join(objects)}</annotation>\n"
    ).encode()


def write_voc(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    src = image_source(schema, KINDS)
    if src is None:
        raise ValueError(unavailable(schema))
    out = ZipStream()
    for picture in pictures(tasks, src, options):
        if not picture.width or not picture.height:  # no region says how big the image is
            continue
        stem = posixpath.splitext(picture.file_name)[0] or picture.file_name
        yield out.add(f"Annotations/{stem}.xml", document(picture, picture.width, picture.height))
    yield out.finish()
