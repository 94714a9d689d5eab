"""Builders for exporter tests: configs, regions as LS stores them, tasks, and reading output back."""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow.parquet as pq

from labelwise import labeling
from labelwise.io import exporters
from labelwise.io.exporters.selection import ExportOptions

NER = labeling.parse_config(
    '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="LOC"/><Label value="ORG"/></Labels>'
    '<Text name="text" value="$text"/></View>'
)
CLASSIFY = labeling.parse_config(
    '<View><Text name="review" value="$review"/>'
    '<Choices name="sentiment" toName="review"><Choice value="pos"/><Choice value="neg"/></Choices>'
    '<Choices name="topics" toName="review" choice="multiple"><Choice value="a"/><Choice value="b"/></Choices>'
    '<Rating name="stars" toName="review" maxRating="5"/>'
    '<TextArea name="note" toName="review"/></View>'
)
BOXES = labeling.parse_config(
    '<View><Image name="img" value="$image"/>'
    '<RectangleLabels name="box" toName="img"><Label value="zebra"/><Label value="cat"/>'
    '<Label value="a &lt;dog&gt; &amp; co"/></RectangleLabels>'
    '<PolygonLabels name="poly" toName="img"><Label value="road"/></PolygonLabels></View>'
)
AUDIO = labeling.parse_config(
    '<View><Audio name="audio" value="$audio"/>'
    '<Labels name="speaker" toName="audio"><Label value="A"/><Label value="B"/></Labels>'
    '<TextArea name="transcript" toName="audio" perRegion="true"/>'
    '<TextArea name="summary" toName="audio"/></View>'
)

_ids = itertools.count(1)


def span(text: str, start: int, end: int, label: str, control: str = "label") -> dict[str, Any]:
    return {"id": f"s{next(_ids)}", "from_name": control, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}  # fmt: skip


def choice(control: str, *values: str) -> dict[str, Any]:
    return {"id": f"c{next(_ids)}", "from_name": control, "to_name": "review", "type": "choices",
            "value": {"choices": list(values)}}  # fmt: skip


def box(x: float, y: float, w: float, h: float, label: str, size: tuple[int, int] = (400, 200),
        rotation: float = 0) -> dict[str, Any]:  # fmt: skip
    return {"id": f"b{next(_ids)}", "from_name": "box", "to_name": "img", "type": "rectanglelabels",
            "original_width": size[0], "original_height": size[1], "image_rotation": 0,
            "value": {"x": x, "y": y, "width": w, "height": h, "rotation": rotation, "rectanglelabels": [label]}}  # fmt: skip


def polygon(points: list[list[float]], label: str, size: tuple[int, int] = (400, 200)) -> dict[str, Any]:
    return {"id": f"p{next(_ids)}", "from_name": "poly", "to_name": "img", "type": "polygonlabels",
            "original_width": size[0], "original_height": size[1],
            "value": {"points": points, "closed": True, "polygonlabels": [label]}}  # fmt: skip


def annotation(result: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"id": next(_ids), "result": result, "completed_by": 1, "was_cancelled": False, "ground_truth": False,
            "lead_time": 2.5, "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-01T10:00:00Z",
            **fields}  # fmt: skip


def task(data: dict[str, Any], *annotations: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": next(_ids), "data": data, "meta": {}, "annotations": list(annotations), "predictions": [],
            **fields}  # fmt: skip


class Once:
    """An iterable that may be read once, as a database cursor: a writer that reads twice fails."""

    def __init__(self, items: Iterable[dict[str, Any]]) -> None:
        self.items: Iterator[dict[str, Any]] | None = iter(items)
        self.taken = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        assert self.items is not None, "the tasks were read twice"
        items, self.items = self.items, None
        for item in items:
            self.taken += 1
            yield item


def export(name: str, tasks: Iterable[dict[str, Any]], schema: labeling.Schema, **options: Any) -> bytes:
    return b"".join(exporters.get(name).write(Once(tasks), schema, ExportOptions(**options)))


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {n: z.read(n) for n in z.namelist()}


def read_parquet(data: bytes) -> list[dict[str, Any]]:
    # Without threads: pyarrow 26 sometimes aborts the interpreter at exit after a threaded read.
    rows: list[dict[str, Any]] = pq.read_table(io.BytesIO(data), use_threads=False).to_pylist()
    return rows
