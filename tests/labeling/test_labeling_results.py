"""Results that must be refused, each pinned to the region index and the field at fault."""

from __future__ import annotations

from typing import Any

import pytest

from labelwise.labeling import InvalidResult, Schema, parse_config, validate_result

CONFIG = """
<View>
  <Text name="txt" value="$text"/>
  <Image name="img" value="$image"/>
  <Choices name="sentiment" toName="txt" choice="single">
    <Choice value="pos" alias="Positive"/>
    <Choice value="neg"/>
  </Choices>
  <Choices name="tags" toName="txt" choice="multiple"><Choice value="a"/><Choice value="b"/></Choices>
  <Labels name="ner" toName="txt"><Label value="PER"/><Label value="ORG"/></Labels>
  <RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels>
  <PolygonLabels name="poly" toName="img"><Label value="Road"/></PolygonLabels>
  <EllipseLabels name="ell" toName="img"><Label value="Eye"/></EllipseLabels>
  <KeyPoint name="kp" toName="img"/>
  <Brush name="brush" toName="img"/>
  <Rating name="stars" toName="txt" maxRating="5"/>
  <Number name="count" toName="txt" min="0" max="10"/>
  <TextArea name="note" toName="txt,img" perRegion="true"/>
  <Relations><Relation value="knows"/></Relations>
</View>
"""
TEXT = "Alice knows Bob at Acme. \U0001f600 ok"
DATA = {"text": TEXT, "image": "https://example.org/a.jpg"}


@pytest.fixture(scope="module")
def schema() -> Schema:
    return parse_config(CONFIG)


def span(start: int, end: int, label: str = "PER", **extra: Any) -> dict[str, Any]:
    value = {"start": start, "end": end, "text": TEXT[start:end], "labels": [label]}
    return {"from_name": "ner", "to_name": "txt", "type": "labels", "value": value, **extra}


def box(**value: Any) -> dict[str, Any]:
    full = {"x": 10, "y": 10, "width": 20, "height": 20, "rectanglelabels": ["Car"], **value}
    return {"from_name": "box", "to_name": "img", "type": "rectanglelabels", "value": full, "id": "b1"}


def choices(*values: str, name: str = "sentiment") -> dict[str, Any]:
    return {"from_name": name, "to_name": "txt", "type": "choices", "value": {"choices": list(values)}}


def _fails(schema: Schema, result: Any, data: dict[str, Any] | None = None) -> InvalidResult:
    with pytest.raises(InvalidResult) as info:
        validate_result(schema, DATA if data is None else data, result)
    return info.value


def test_a_rich_valid_result(schema: Schema) -> None:
    result = [
        span(0, 5, id="p1"),
        span(12, 15, id=7),
        {"type": "relation", "from_id": "p1", "to_id": "7", "direction": "bi", "labels": ["knows"]},
        choices("Positive"),
        choices("a", "b", name="tags"),
        box(rotation=45, width=95),
        {"from_name": "note", "to_name": "img", "type": "textarea", "id": "b1",
         "value": {"x": 10, "y": 10, "width": 20, "height": 20, "text": ["red car"]}},
        {"from_name": "ell", "to_name": "img", "type": "ellipselabels",
         "value": {"x": 50, "y": 50, "radiusX": 5, "radiusY": 8, "rotation": 0, "ellipselabels": ["Eye"]}},
        {"from_name": "poly", "to_name": "img", "type": "polygon", "value": {"points": [[0, 0], [100, 0], [50, 99.9]]}},
        {"from_name": "kp", "to_name": "img", "type": "keypoint", "value": {"x": 1, "y": 2, "width": 0.5}},
        {"from_name": "brush", "to_name": "img", "type": "brush", "value": {"format": "rle", "rle": [1, 2, 3]}},
        {"from_name": "stars", "to_name": "txt", "type": "rating", "value": {"rating": 5}, "score": 0.9},
        {"from_name": "count", "to_name": "txt", "type": "number", "value": {"number": 0}},
        {"from_name": "note", "to_name": "txt", "type": "textarea", "value": {"text": "a string is fine too"}},
    ]  # fmt: skip
    validate_result(schema, DATA, result)
    validate_result(schema, DATA, [])


@pytest.mark.parametrize("result", [None, {"result": []}, "[]", 3])
def test_result_must_be_a_list(schema: Schema, result: Any) -> None:
    err = _fails(schema, result)
    assert (err.index, err.field) == (-1, "result")


def test_items_must_be_objects(schema: Schema) -> None:
    err = _fails(schema, [choices("neg"), "oops"])
    assert (err.index, err.field) == (1, "result")


def test_unknown_from_name(schema: Schema) -> None:
    item = {**choices("neg"), "from_name": "mood", "id": "r9"}
    err = _fails(schema, [span(0, 5), item])
    assert (err.index, err.field, err.region_id) == (1, "from_name", "r9")
    assert "result[1] (id 'r9'): from_name:" in str(err) and "'mood'" in str(err)


def test_wrong_to_name(schema: Schema) -> None:
    err = _fails(schema, [{**choices("neg"), "to_name": "img"}])
    assert (err.index, err.field) == (0, "to_name")


def test_wrong_type(schema: Schema) -> None:
    err = _fails(schema, [{**choices("neg"), "type": "labels"}])
    assert (err.index, err.field) == (0, "type")


def test_choice_not_in_config(schema: Schema) -> None:
    err = _fails(schema, [choices("meh")])
    assert (err.index, err.field) == (0, "value.choices") and "'meh'" in err.message


def test_two_choices_for_single(schema: Schema) -> None:
    err = _fails(schema, [choices("pos", "neg")])
    assert (err.index, err.field) == (0, "value.choices") and "single" in err.message


def test_empty_choices(schema: Schema) -> None:
    assert _fails(schema, [choices()]).field == "value.choices"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(-1, 3, "value.start"), (5, 5, "value.end"), (5, 3, "value.end"), (0, 400, "value.end")],
)
def test_span_out_of_range(schema: Schema, start: int, end: int, field: str) -> None:
    item = span(0, 5)
    item["value"] = {"start": start, "end": end, "labels": ["PER"]}
    err = _fails(schema, [span(0, 5), item])
    assert (err.index, err.field) == (1, field)


def test_span_text_mismatch(schema: Schema) -> None:
    item = span(0, 5)
    item["value"]["text"] = "Alicia"
    err = _fails(schema, [item])
    assert (err.index, err.field) == (0, "value.text")


def test_span_offsets_may_be_utf16_units_after_an_emoji(schema: Schema) -> None:
    code_point = TEXT.index("ok")
    validate_result(schema, DATA, [span(code_point, code_point + 2)])
    utf16 = {"start": code_point + 1, "end": code_point + 3, "text": "ok", "labels": ["PER"]}
    validate_result(schema, DATA, [{**span(0, 1), "value": utf16}])


def test_span_text_unchecked_when_data_is_not_text(schema: Schema) -> None:
    validate_result(
        schema, {"text": None}, [{**span(0, 5), "value": {"start": 0, "end": 5, "labels": ["PER"]}}]
    )


def test_span_types(schema: Schema) -> None:
    err = _fails(schema, [{**span(0, 5), "value": {"start": "0", "end": 5, "labels": ["PER"]}}])
    assert err.field == "value.start"


def test_label_not_in_config(schema: Schema) -> None:
    err = _fails(schema, [span(0, 5, label="LOC")])
    assert (err.index, err.field) == (0, "value.labels")
    err = _fails(schema, [box(rectanglelabels=["Truck"])])
    assert (err.index, err.field) == (0, "value.rectanglelabels")


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"x": 101}, "value.x"),
        ({"y": -5}, "value.y"),
        ({"x": 90, "width": 20}, "value.width"),
        ({"height": -1}, "value.height"),
        ({"width": "20"}, "value.width"),
        ({"x": float("nan")}, "value.x"),
        ({"x": True}, "value.x"),
    ],
)
def test_box_out_of_range(schema: Schema, value: dict[str, Any], field: str) -> None:
    err = _fails(schema, [box(**value)])
    assert (err.index, err.field, err.region_id) == (0, field, "b1")


def test_other_geometry_failures(schema: Schema) -> None:
    poly = {"from_name": "poly", "to_name": "img", "type": "polygonlabels"}
    err = _fails(
        schema, [{**poly, "value": {"points": [[0, 0], [10, 10], [120, 5]], "polygonlabels": ["Road"]}}]
    )
    assert err.field == "value.points[2]"
    assert (
        _fails(schema, [{**poly, "value": {"points": [[0, 0]], "polygonlabels": ["Road"]}}]).field
        == "value.points"
    )
    ell = {"from_name": "ell", "to_name": "img", "type": "ellipse"}
    assert (
        _fails(schema, [{**ell, "value": {"x": 5, "y": 5, "radiusX": -1, "radiusY": 1}}]).field
        == "value.radiusX"
    )
    brush = {"from_name": "brush", "to_name": "img", "type": "brush"}
    assert _fails(schema, [{**brush, "value": {"format": "png", "rle": []}}]).field == "value.format"
    assert _fails(schema, [{**brush, "value": {"format": "rle", "rle": [1, 300]}}]).field == "value.rle"


@pytest.mark.parametrize("rating", [6, 0, 2.5, "3", None])
def test_rating_out_of_range(schema: Schema, rating: Any) -> None:
    item = {"from_name": "stars", "to_name": "txt", "type": "rating", "value": {"rating": rating}}
    err = _fails(schema, [item])
    assert (err.index, err.field) == (0, "value.rating")


def test_number_outside_min_max(schema: Schema) -> None:
    item = {"from_name": "count", "to_name": "txt", "type": "number", "value": {"number": 11}}
    assert _fails(schema, [item]).field == "value.number"


def test_relation_to_missing_id(schema: Schema) -> None:
    relation = {"type": "relation", "from_id": "p1", "to_id": "ghost", "direction": "right"}
    err = _fails(schema, [span(0, 5, id="p1"), relation])
    assert (err.index, err.field) == (1, "to_id") and "'ghost'" in err.message


def test_relation_label_and_direction(schema: Schema) -> None:
    base = [span(0, 5, id="p1"), span(12, 15, id="p2")]
    bad_label = {"type": "relation", "from_id": "p1", "to_id": "p2", "labels": ["hates"]}
    assert _fails(schema, [*base, bad_label]).field == "labels"
    bad_direction = {"type": "relation", "from_id": "p1", "to_id": "p2", "direction": "up"}
    assert _fails(schema, [*base, bad_direction]).field == "direction"


def test_region_ids(schema: Schema) -> None:
    assert _fails(schema, [span(0, 5, id=["x"])]).field == "id"
    err = _fails(schema, [span(0, 5, id="p"), span(6, 11, id="p")])
    assert (err.index, err.field, err.region_id) == (1, "id", "p")
    note = {"from_name": "note", "to_name": "txt", "type": "textarea", "value": {"text": ["x"]}, "id": "b1"}
    err = _fails(schema, [box(), note])
    assert (err.index, err.field) == (1, "id") and "different objects" in err.message


def test_envelope_extras(schema: Schema) -> None:
    assert _fails(schema, [{**choices("neg"), "score": "high"}]).field == "score"
    assert _fails(schema, [{**choices("neg"), "readonly": "yes"}]).field == "readonly"
    assert _fails(schema, [{**box(), "original_width": 0}]).field == "original_width"
    assert _fails(schema, [{**choices("neg"), "value": ["neg"]}]).field == "value"


def test_many_spans_on_a_huge_text(schema: Schema) -> None:
    """2,000 spans over a 1 MB text validate, and a bad span at the very end is still caught.

    Speed is measured in bench/, not asserted here."""
    text = "word " * 200_000
    regions = [
        {**span(0, 1), "value": {"start": i * 5, "end": i * 5 + 4, "text": "word", "labels": ["PER"]}}
        for i in range(2_000)
    ]
    validate_result(schema, {"text": text}, regions)
    regions[-1] = {
        **span(0, 1),
        "value": {"start": 999_995, "end": 999_999, "text": "nope", "labels": ["PER"]},
    }
    err = _fails(schema, regions, {"text": text})
    assert err.index == 1_999
