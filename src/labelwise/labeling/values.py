"""The `value` of one region, checked by result type (and, for spans, by the kind of object labelled)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from labelwise.labeling import geometry, spans
from labelwise.labeling.region import Region, kind
from labelwise.labeling.schema import Option

_GEOMETRY: dict[str, Callable[[Region], None]] = {
    "rectangle": geometry.rectangle,
    "polygon": geometry.polygon,
    "keypoint": geometry.keypoint,
    "ellipse": geometry.ellipse,
    "brush": geometry.brush,
}

_SPAN_BY_OBJECT: dict[str, Callable[[Region], None]] = {
    "text": spans.text_span,
    "hypertext": spans.html_span,
    "paragraphs": spans.paragraph_span,
    "audio": spans.media_span,
    "audioplus": spans.media_span,
    "video": spans.media_span,
    "timeseries": spans.time_series_span,
}

_SPAN_LABELS = {
    "labels": None,
    "hypertextlabels": spans.html_span,
    "paragraphlabels": spans.paragraph_span,
    "timeserieslabels": spans.time_series_span,
}


def check(region: Region) -> None:
    rtype = region.rtype
    if rtype in _GEOMETRY:
        _GEOMETRY[rtype](region)
        return
    if rtype.endswith("labels"):
        _option_values(region, rtype, single=False)
        base = rtype.removesuffix("labels")
        if base in _GEOMETRY:
            _GEOMETRY[base](region)
        else:
            span = _SPAN_LABELS.get(rtype) or _SPAN_BY_OBJECT.get(region.obj.type)
            if span is not None:
                span(region)
        return
    handler = _CLASSIFICATIONS.get(rtype)
    if handler is not None:
        handler(region)
        _optional_geometry(region)


def _option_values(region: Region, key: str, *, single: bool) -> None:
    values = region.strings(key)
    field = f"value.{key}"
    if not values:
        region.fail(field, "must name at least one option")
    if single and len(values) > 1:
        region.fail(field, f"allows a single choice ({region.control.choice}), got {len(values)}")
    if region.control.dynamic_options:
        return
    allowed = region.control.option_values
    for value in values:
        if value not in allowed:
            region.fail(
                field, f'{value!r} is not an option of <{region.control.tag} name="{region.control.name}">'
            )


def _choices(region: Region) -> None:
    _option_values(region, "choices", single=region.control.choice in ("single", "single-radio"))


def _textarea(region: Region) -> None:
    raw = region.value.get("text")
    if isinstance(raw, str):
        return
    region.strings("text")


def _rating(region: Region) -> None:
    rating = region.integer("rating")
    assert rating is not None
    top = region.control.max_rating or 5
    if not 1 <= rating <= top:
        region.fail("value.rating", f"must be between 1 and maxRating ({top}), not {rating}")


def _number(region: Region) -> None:
    number = region.number("number")
    assert number is not None
    low, high = region.control.min, region.control.max
    if low is not None and number < low:
        region.fail("value.number", f"must be at least min ({low:g}), not {number:g}")
    if high is not None and number > high:
        region.fail("value.number", f"must be at most max ({high:g}), not {number:g}")


def _datetime(region: Region) -> None:
    if not region.string("datetime"):
        region.fail("value.datetime", "must not be empty")


def _taxonomy(region: Region) -> None:
    paths = region.value.get("taxonomy")
    if not isinstance(paths, list) or not paths:
        region.fail("value.taxonomy", "must be a non-empty list of paths (lists of strings)")
    for position, path in enumerate(paths):
        field = f"value.taxonomy[{position}]"
        if not isinstance(path, list) or not path or not all(isinstance(node, str) for node in path):
            region.fail(field, "must be a non-empty list of strings")
        if not region.control.dynamic_options:
            _walk_taxonomy(region, field, path)


def _walk_taxonomy(region: Region, field: str, path: list[str]) -> None:
    level: tuple[Option, ...] = region.control.options
    for depth, node in enumerate(path):
        found = next((o for o in level if node in (o.value, o.alias)), None)
        if found is None:
            where = "at the top level" if depth == 0 else f"under {path[depth - 1]!r}"
            region.fail(field, f"{node!r} is not a taxonomy choice {where}")
        level = found.children
    if region.control.leafs_only and level:
        region.fail(field, f"{path[-1]!r} is not a leaf, and leafsOnly is set")


def _pairwise(region: Region) -> None:
    selected = region.value.get("selected")
    if selected not in ("left", "right"):
        region.fail("value.selected", f"must be 'left' or 'right', not {selected!r}")


def _ranker(region: Region) -> None:
    ranker = region.value.get("ranker")
    if not isinstance(ranker, Mapping):
        region.fail("value.ranker", f"must be an object of bucket -> item ids, not {kind(ranker)}")
    buckets = {option.value for option in region.control.options}
    known = _list_ids(region.content.value)
    for bucket, ids in ranker.items():
        field = f"value.ranker.{bucket}"
        if buckets and bucket not in buckets and bucket != "_":
            region.fail(field, f'{bucket!r} is not a bucket of <Ranker name="{region.control.name}">')
        if not isinstance(ids, list) or not all(
            isinstance(i, str | int) and not isinstance(i, bool) for i in ids
        ):
            region.fail(field, "must be a list of item ids")
        if known is not None:
            for item in ids:
                if str(item) not in known:
                    region.fail(field, f"item {item!r} is not in the task's list")


def _list_ids(items: Any) -> set[str] | None:
    if not isinstance(items, list) or not all(isinstance(i, Mapping) and "id" in i for i in items):
        return None
    return {str(item["id"]) for item in items}


def _video_rectangle(region: Region) -> None:
    geometry.video_sequence(region)
    region.strings("labels", required=False)


def _optional_geometry(region: Region) -> None:
    """perRegion classifications repeat the region's shape; check it when it is there."""
    value = region.value
    if region.obj.type == "image":
        if "points" in value:
            geometry.polygon(region)
        elif "radiusX" in value:
            geometry.ellipse(region)
        elif "x" in value and "width" in value and "height" in value:
            geometry.rectangle(region)
        elif "x" in value:
            geometry.keypoint(region)
        return
    span = _SPAN_BY_OBJECT.get(region.obj.type)
    if span is not None and "start" in value and "end" in value:
        if region.rtype == "textarea" and not isinstance(value.get("text"), str):
            # A perRegion TextArea's own `text` (its lines) replaces the span's quoted text, as in LS.
            region = replace(region, value={k: v for k, v in value.items() if k != "text"})
        span(region)


_CLASSIFICATIONS: dict[str, Callable[[Region], None]] = {
    "choices": _choices,
    "textarea": _textarea,
    "rating": _rating,
    "number": _number,
    "datetime": _datetime,
    "taxonomy": _taxonomy,
    "pairwise": _pairwise,
    "ranker": _ranker,
    "videorectangle": _video_rectangle,
}
