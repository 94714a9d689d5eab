"""Property tests: generated configs parse to what was generated, generated results validate, broken ones fail."""

from __future__ import annotations

import contextlib
import copy
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from labelwise.labeling import ConfigError, InvalidResult, parse_config, validate_result

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
OPTION_VALUE = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 -_.&'\"é"), min_size=1, max_size=12
).filter(lambda s: s.strip() != "")
UNKNOWN = "~unknown~"

IMAGE_CONTROLS = [
    "RectangleLabels", "PolygonLabels", "KeyPointLabels", "EllipseLabels", "BrushLabels",
    "Rectangle", "Polygon", "KeyPoint", "Ellipse", "Brush", "Choices",
]  # fmt: skip
CONTROLS_BY_OBJECT: dict[str, list[str]] = {
    "Text": ["Choices", "Labels", "TextArea", "Rating", "Number", "DateTime", "Taxonomy"],
    "HyperText": ["Choices", "HyperTextLabels", "Labels", "TextArea"],
    "Paragraphs": ["Choices", "ParagraphLabels", "Rating"],
    "Image": IMAGE_CONTROLS,
    "Audio": ["Choices", "Labels", "TextArea"],
    "Video": ["Choices", "Labels"],
    "Table": ["Choices", "Number"],
    "TimeSeries": ["TimeSeriesLabels", "Choices"],
    "List": ["Ranker"],
}
LABEL_CONTROLS = {
    "Labels", "RectangleLabels", "PolygonLabels", "KeyPointLabels", "EllipseLabels", "BrushLabels",
    "TimeSeriesLabels", "HyperTextLabels", "ParagraphLabels",
}  # fmt: skip


def _percent(draw: Any, high: float = 100.0) -> float:
    return float(draw(st.floats(min_value=0, max_value=high, allow_nan=False)))


def _object_data(draw: Any, tag: str) -> Any:
    if tag == "Text":
        return draw(st.text(min_size=1, max_size=60))
    if tag == "HyperText":
        return "<p>" + escape(draw(st.text(alphabet="abc xyz", min_size=1, max_size=20))) + "</p>"
    if tag == "Paragraphs":
        n = draw(st.integers(1, 4))
        return [{"author": f"s{i % 2}", "text": f"line {i}"} for i in range(n)]
    if tag == "List":
        return [{"id": f"item{i}", "title": f"Item {i}"} for i in range(draw(st.integers(1, 5)))]
    if tag == "Table":
        return {"a": 1, "b": "two"}
    return f"https://example.org/{tag.lower()}.bin"


@st.composite
def taxonomy_options(draw: Any, depth: int = 0) -> list[tuple[str, list[Any]]]:
    values = draw(st.lists(OPTION_VALUE, min_size=1, max_size=3, unique=True))
    return [
        (v, draw(taxonomy_options(depth + 1)) if depth < 2 and draw(st.booleans()) else []) for v in values
    ]


def _taxonomy_xml(nodes: list[tuple[str, list[Any]]]) -> str:
    return "".join(
        f"<Choice value={quoteattr(v)}>{_taxonomy_xml(children)}</Choice>" for v, children in nodes
    )


@st.composite
def generated(draw: Any) -> dict[str, Any]:
    """A config with its expected contents, a task and a valid result for it."""
    object_tags = draw(st.lists(st.sampled_from(sorted(CONTROLS_BY_OBJECT)), min_size=1, max_size=3))
    control_specs = [
        (obj_i, draw(st.sampled_from(CONTROLS_BY_OBJECT[tag]))) for obj_i, tag in enumerate(object_tags)
    ]
    control_specs += draw(st.lists(st.integers(0, len(object_tags) - 1).map(lambda i: (i, "?")), max_size=2))
    control_specs = [
        (i, draw(st.sampled_from(CONTROLS_BY_OBJECT[object_tags[i]])) if c == "?" else c)
        for i, c in control_specs
    ]
    names = draw(
        st.lists(NAMES, min_size=len(object_tags) + len(control_specs), unique=True, max_size=20).filter(
            lambda ns: len(ns) >= len(object_tags) + len(control_specs)
        )
    )
    obj_names = names[: len(object_tags)]
    data: dict[str, Any] = {}
    parts: list[str] = []
    for name, tag in zip(obj_names, object_tags, strict=True):
        key = f"k_{name}"
        data[key] = _object_data(draw, tag)
        extra = ' valueType="url"' if tag == "TimeSeries" else ""
        parts.append(f'<{tag} name="{name}" value="${key}"{extra}/>')
    controls: list[dict[str, Any]] = []
    for (obj_i, tag), name in zip(
        control_specs, names[len(object_tags) : len(object_tags) + len(control_specs)], strict=True
    ):
        spec: dict[str, Any] = {
            "tag": tag,
            "name": name,
            "object": obj_names[obj_i],
            "otag": object_tags[obj_i],
        }
        attrs = f'name="{name}" toName="{obj_names[obj_i]}"'
        body = ""
        if tag == "Choices" or tag in LABEL_CONTROLS:
            spec["options"] = draw(st.lists(OPTION_VALUE, min_size=1, max_size=6, unique=True))
            child = "Choice" if tag == "Choices" else "Label"
            body = "".join(f"<{child} value={quoteattr(v)}/>" for v in spec["options"])
            if tag == "Choices":
                spec["choice"] = draw(st.sampled_from(["single", "multiple", "single-radio"]))
                attrs += f' choice="{spec["choice"]}"'
        elif tag == "Taxonomy":
            spec["tree"] = draw(taxonomy_options())
            body = _taxonomy_xml(spec["tree"])
        elif tag == "Rating":
            spec["max"] = draw(st.integers(1, 10))
            attrs += f' maxRating="{spec["max"]}"'
        elif tag == "Number":
            low = draw(st.integers(-100, 100))
            spec["min"], spec["max"] = low, low + draw(st.integers(0, 100))
            attrs += f' min="{spec["min"]}" max="{spec["max"]}"'
        elif tag == "Ranker":
            spec["buckets"] = draw(st.lists(NAMES, max_size=3, unique=True))
            body = "".join(f'<Bucket name="{b}" title="{b.upper()}"/>' for b in spec["buckets"])
        controls.append(spec)
        parts.append(f"<{tag} {attrs}>{body}</{tag}>")
    xml = "<View>\n  " + "\n  ".join(parts) + "\n</View>"
    result = [_region(draw, spec, data[f"k_{spec['object']}"], i) for i, spec in enumerate(controls)]
    return {"xml": xml, "data": data, "controls": controls, "objects": dict(zip(obj_names, object_tags, strict=True)),
            "result": result}  # fmt: skip


def _region(draw: Any, spec: dict[str, Any], content: Any, index: int) -> dict[str, Any]:
    tag, otag = spec["tag"], spec["otag"]
    rtype = tag.lower()
    value: dict[str, Any] = {}
    if tag == "Choices":
        single = spec["choice"] != "multiple"
        size = 1 if single else draw(st.integers(1, len(spec["options"])))
        value["choices"] = spec["options"][:size]
    elif tag in LABEL_CONTROLS:
        if tag == "Labels" and otag == "HyperText":
            rtype = "hypertextlabels"
        elif tag == "Labels" and otag == "Paragraphs":
            rtype = "paragraphlabels"
        value[rtype] = [draw(st.sampled_from(spec["options"]))]
    if otag == "Text" and tag == "Labels":
        start = draw(st.integers(0, len(content) - 1))
        end = draw(st.integers(start + 1, len(content)))
        value.update(start=start, end=end, text=content[start:end])
    elif rtype == "hypertextlabels":
        value.update(start="/p[1]/text()[1]", end="/p[1]/text()[1]", startOffset=0, endOffset=1)
    elif rtype in ("paragraphlabels",):
        start = draw(st.integers(0, len(content) - 1))
        value.update(
            start=str(start), end=str(draw(st.integers(start, len(content) - 1))), startOffset=0, endOffset=2
        )
    elif tag == "Labels" or tag == "TimeSeriesLabels":
        start = draw(st.floats(0, 1000))
        value.update(start=start, end=start + draw(st.floats(0, 1000)))
    base = rtype.removesuffix("labels")
    if base == "rectangle":
        x, y = _percent(draw), _percent(draw)
        value.update(x=x, y=y, width=_percent(draw, 100 - x), height=_percent(draw, 100 - y), rotation=0)
    elif base == "polygon":
        value["points"] = [[_percent(draw), _percent(draw)] for _ in range(draw(st.integers(3, 6)))]
    elif base == "keypoint":
        value.update(x=_percent(draw), y=_percent(draw), width=1.5)
    elif base == "ellipse":
        value.update(
            x=_percent(draw), y=_percent(draw), radiusX=_percent(draw, 50), radiusY=_percent(draw, 50)
        )
    elif base == "brush":
        value.update(format="rle", rle=draw(st.lists(st.integers(0, 255), max_size=20)))
    elif tag == "TextArea":
        value["text"] = draw(st.lists(st.text(max_size=10), min_size=1, max_size=3))
    elif tag == "Rating":
        value["rating"] = draw(st.integers(1, spec["max"]))
    elif tag == "Number":
        value["number"] = draw(st.integers(spec["min"], spec["max"]))
    elif tag == "DateTime":
        value["datetime"] = "2024-02-29T10:00"
    elif tag == "Taxonomy":
        path, level = [], spec["tree"]
        while level:
            node = draw(st.sampled_from(level))
            path.append(node[0])
            level = node[1] if draw(st.booleans()) else []
        value["taxonomy"] = [path]
    elif tag == "Ranker":
        ids = [item["id"] for item in content]
        keys = spec["buckets"] or ["rank"]
        value["ranker"] = {key: draw(st.lists(st.sampled_from(ids), unique=True)) for key in keys}
    return {
        "id": f"r{index}",
        "from_name": spec["name"],
        "to_name": spec["object"],
        "type": rtype,
        "value": value,
    }


@SETTINGS
@given(generated())
def test_generated_configs_parse_to_what_was_generated(case: dict[str, Any]) -> None:
    schema = parse_config(case["xml"])
    assert {name: obj.tag for name, obj in schema.objects.items()} == case["objects"]
    assert set(schema.data_keys) == set(case["data"])
    for spec in case["controls"]:
        control = schema.controls[spec["name"]]
        assert control.tag == spec["tag"]
        assert control.to_name == (spec["object"],)
        if "options" in spec:
            assert [o.value for o in control.options] == spec["options"]
        if "tree" in spec:
            assert [o.value for o in control.options] == [v for v, _ in spec["tree"]]
        if spec["tag"] == "Rating":
            assert control.max_rating == spec["max"]


@SETTINGS
@given(generated())
def test_generated_results_validate(case: dict[str, Any]) -> None:
    validate_result(parse_config(case["xml"]), case["data"], case["result"])


def _mutations(region: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    value = region["value"]
    found = ["from_name", "to_name"]
    for key in ("choices", *(k for k in value if k.endswith("labels"))):
        if key in value:
            found.append("label")
    found += [k for k in ("x", "points", "rating", "taxonomy", "rle", "end") if k in value]
    if "number" in value:
        found.append("number")
    if "ranker" in value and spec.get("buckets"):
        found.append("ranker")
    return found


def _mutate(region: dict[str, Any], spec: dict[str, Any], kind: str, content: Any) -> str:
    value = region["value"]
    if kind in ("from_name", "to_name"):
        region[kind] = UNKNOWN
        return kind
    if kind == "label":
        key = "choices" if "choices" in value else next(k for k in value if k.endswith("labels"))
        value[key] = [UNKNOWN]
        return f"value.{key}"
    if kind == "x":
        value["x"] = 150.0
        return "value.x"
    if kind == "points":
        value["points"][0] = [-20, 50]
        return "value.points[0]"
    if kind == "rating":
        value["rating"] = spec["max"] + 1
        return "value.rating"
    if kind == "number":
        value["number"] = spec["max"] + 1
        return "value.number"
    if kind == "taxonomy":
        value["taxonomy"] = [[UNKNOWN]]
        return "value.taxonomy[0]"
    if kind == "rle":
        value["rle"] = [*value["rle"], 999]
        return "value.rle"
    if kind == "ranker":
        value["ranker"] = {UNKNOWN: []}
        return f"value.ranker.{UNKNOWN}"
    # "end": past the content for text spans, before start for time spans
    if isinstance(content, str) and spec["otag"] == "Text":
        value["end"] = len(content.encode("utf-16-le", "surrogatepass")) // 2 + 1  # past it in any unit
    elif isinstance(content, list) and spec["otag"] == "Paragraphs":
        value["end"] = str(len(content))
    else:
        value["end"] = -1 if not isinstance(value["end"], str) else value["end"]
        if isinstance(value["end"], str):
            value["startOffset"] = -1
            return "value.startOffset"
    return "value.end"


@SETTINGS
@given(generated(), st.data())
def test_mutated_results_fail_at_the_mutated_region(case: dict[str, Any], data: st.DataObject) -> None:
    schema = parse_config(case["xml"])
    result = copy.deepcopy(case["result"])
    index = data.draw(st.integers(0, len(result) - 1))
    spec = case["controls"][index]
    kind = data.draw(st.sampled_from(_mutations(result[index], spec)))
    field = _mutate(result[index], spec, kind, case["data"][f"k_{spec['object']}"])
    try:
        validate_result(schema, case["data"], result)
    except InvalidResult as err:
        assert err.index == index
        assert err.field == field, (str(err), kind)
    else:
        raise AssertionError(f"mutation {kind} of region {index} was accepted")


XML_FRAGMENTS = st.sampled_from([
    "<View>", "</View>", "<Text name='t' value='$t'/>", "<Choices name='c' toName='t'>", "</Choices>",
    "<Choice value='a'/>", "<!DOCTYPE x>", "<!ENTITY e 'x'>", "&e;", "&amp;", "<![CDATA[x]]>", "<!-- c -->",
    "<?pi x?>", "<script>", "onclick='x'", "\x00", "\ud800", "<Labels name='l' toName='t'>", "<Label value='b'/>",
    "</Labels>", "<Rating name='r' toName='t' maxRating='-1'/>", "<Image name='t' value='$i'/>", '"', "'", ">", "<",
])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300), st.text(max_size=300), st.lists(XML_FRAGMENTS, max_size=12).map("".join)
    )
)
def test_arbitrary_input_only_raises_config_error(raw: str | bytes) -> None:
    with contextlib.suppress(ConfigError):
        parse_config(raw)  # type: ignore[arg-type]
