"""One answer scored against a reference answer (a gold task's ground truth), control by control.

Takes Label Studio result lists and the kind of each control to score, so it works on an exported file as
well as in the server. Scores are between 0 and 1, from `quality.regions`: exact match for single choices,
ratings, numbers and dates; Jaccard for multi-label choices and taxonomies; normalized edit distance for
texts; F1 over one-to-one matches for regions (spans and boxes at IoU >= 0.5, polygons on a raster,
keypoints within a distance). A control the reference does not answer is not scored; the answer's score is
the mean over the scored controls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from labelwise.quality.regions import scores

# The kinds a control can be scored as (what `kind_of` answers for a result type).
EXACT, MULTI, TEXT, SPAN, BOX, POLYGON, KEYPOINT = (
    "exact",
    "multi",
    "text",
    "span",
    "box",
    "polygon",
    "keypoint",
)
_KINDS = {
    "rating": EXACT,
    "number": EXACT,
    "datetime": EXACT,
    "pairwise": EXACT,
    "taxonomy": MULTI,
    "textarea": TEXT,
    "labels": SPAN,
    "hypertextlabels": SPAN,
    "paragraphlabels": SPAN,
    "rectangle": BOX,
    "rectanglelabels": BOX,
    "polygon": POLYGON,
    "polygonlabels": POLYGON,
    "keypoint": KEYPOINT,
    "keypointlabels": KEYPOINT,
}
_VALUE_KEY = {"textarea": "text", "pairwise": "selected"}


def kind_of(result_type: str, multiple: bool = False) -> str | None:
    """How a control whose results have this type is scored; None when it is not scored."""
    kind = result_type.lower()
    if kind == "choices":
        return MULTI if multiple else EXACT
    return _KINDS.get(kind)


def score(
    answer: Iterable[Mapping[str, Any]], reference: Iterable[Mapping[str, Any]], kinds: Mapping[str, str]
) -> tuple[float | None, dict[str, float]]:
    """(mean score, score per control) of `answer` against `reference`; (None, {}) when nothing is scored.

    `kinds` names the controls to score (`from_name`) with their kind (see `kind_of`).
    """
    mine, theirs = _by_control(answer, kinds), _by_control(reference, kinds)
    per = {name: _score(kinds[name], mine.get(name, []), items) for name, items in theirs.items()}
    if not per:
        return None, {}
    return sum(per.values()) / len(per), per


def _by_control(
    result: Iterable[Mapping[str, Any]], kinds: Mapping[str, str]
) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for item in result:
        name = item.get("from_name")
        if isinstance(name, str) and name in kinds and isinstance(item.get("value"), Mapping):
            out.setdefault(name, []).append(item)
    return out


def _score(kind: str, answer: Sequence[Mapping[str, Any]], reference: Sequence[Mapping[str, Any]]) -> float:
    if kind in (EXACT, MULTI, TEXT):
        a, b = _value(answer), _value(reference)
        if kind == EXACT:
            return 1.0 if a is not None and _hashable(a) == _hashable(b) else 0.0
        if kind == MULTI:
            return scores.jaccard(_items(a), _items(b))
        return scores.text_similarity(_text(a), _text(b))
    if kind == SPAN:
        return scores.span_f1(_spans(answer), _spans(reference))
    if kind == BOX:
        return scores.box_f1(_boxes(answer), _boxes(reference))
    if kind == POLYGON:
        return scores.polygon_f1(_polygons(answer), _polygons(reference))
    return scores.keypoint_f1(_points(answer), _points(reference))


def _value(items: Sequence[Mapping[str, Any]]) -> Any:
    """The classification value of a control (its first result)."""
    for item in items:
        kind = str(item.get("type", "")).lower()
        key = _VALUE_KEY.get(kind, kind)
        if key in item["value"]:
            return item["value"][key]
    return None


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _items(value: Any) -> set[Any]:
    if value is None:
        return set()
    return {_hashable(v) for v in value} if isinstance(value, list) else {value}


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def _labels(item: Mapping[str, Any]) -> frozenset[str]:
    kind = str(item.get("type", "")).lower()
    found = item["value"].get(kind)
    return frozenset(str(x) for x in found) if isinstance(found, list) else frozenset()


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _spans(items: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, frozenset[str]]]:
    out = []
    for item in items:
        v = item["value"]
        start, end = v.get("start"), v.get("end")
        if not (_num(start) and _num(end)):  # HyperText: xpaths, with the offsets in the document
            offsets = v.get("globalOffsets") if isinstance(v.get("globalOffsets"), Mapping) else v
            start, end = (
                offsets.get("startOffset", offsets.get("start")),
                offsets.get("endOffset", offsets.get("end")),
            )
        if _num(start) and _num(end):
            out.append((int(start), int(end), _labels(item)))
    return out


def _boxes(
    items: Sequence[Mapping[str, Any]],
) -> list[tuple[tuple[float, float, float, float], frozenset[str]]]:
    out = []
    for item in items:
        v = item["value"]
        box = (v.get("x"), v.get("y"), v.get("width"), v.get("height"))
        if all(_num(x) for x in box):
            out.append(((float(box[0]), float(box[1]), float(box[2]), float(box[3])), _labels(item)))
    return out


def _polygons(items: Sequence[Mapping[str, Any]]) -> list[tuple[list[tuple[float, float]], frozenset[str]]]:
    out = []
    for item in items:
        points = item["value"].get("points")
        if isinstance(points, list) and len(points) >= 3:
            pairs = [
                (float(p[0]), float(p[1]))
                for p in points
                if isinstance(p, list) and len(p) == 2 and all(map(_num, p))
            ]
            if len(pairs) >= 3:
                out.append((pairs, _labels(item)))
    return out


def _points(items: Sequence[Mapping[str, Any]]) -> list[tuple[tuple[float, float], frozenset[str]]]:
    out = []
    for item in items:
        v = item["value"]
        if _num(v.get("x")) and _num(v.get("y")):
            out.append(((float(v["x"]), float(v["y"])), _labels(item)))
    return out
