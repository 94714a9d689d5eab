"""Configs that must be refused, each with an error that names the line, tag and attribute at fault."""

from __future__ import annotations

import pytest

from labelwise.labeling import ConfigError, parse_config

TEXT = '<Text name="txt" value="$text"/>'


def _error(xml: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(xml)
    return info.value


def test_unknown_tag_names_tag_and_line() -> None:
    err = _error(f"<View>\n  {TEXT}\n  <Sparkles name='x'/>\n</View>")
    assert err.tag == "Sparkles" and err.line == 3
    assert "unknown tag <Sparkles>" in str(err) and str(err).startswith("line 3")


def test_to_name_pointing_at_nothing() -> None:
    err = _error(f'<View>\n{TEXT}\n<Choices name="x" toName="text"><Choice value="a"/></Choices></View>')
    assert (err.tag, err.attribute, err.line) == ("Choices", "toName", 3)
    assert str(err) == (
        "line 3: <Choices name=\"x\">: attribute toName: points at 'text', which is not an object tag name"
    )


def test_comma_separated_to_name_checks_each_part() -> None:
    err = _error(f'<View>{TEXT}<Rating name="r" toName="txt, other"/></View>')
    assert err.attribute == "toName" and "'other'" in err.message


@pytest.mark.parametrize(
    "second",
    ['<Text name="txt" value="$other"/>', '<Choices name="txt" toName="txt"><Choice value="a"/></Choices>'],
)
def test_duplicate_names_across_objects_and_controls(second: str) -> None:
    err = _error(f"<View>\n{TEXT}\n{second}\n</View>")
    assert err.attribute == "name" and err.line == 3
    assert "duplicate name 'txt'" in err.message and "line 2" in err.message


def test_missing_name_and_value() -> None:
    assert _error('<View><Text value="$t"/></View>').attribute == "name"
    err = _error('<View><Image name="img"/></View>')
    assert (err.tag, err.attribute) == ("Image", "value")
    assert _error(f'<View>{TEXT}<Choices name="c"><Choice value="a"/></Choices></View>').attribute == "toName"


@pytest.mark.parametrize(
    "control",
    ["Choices", "Labels", "HyperTextLabels", "ParagraphLabels", "TimeSeriesLabels", "Taxonomy"],
)
def test_controls_without_options(control: str) -> None:
    objects = {
        "HyperTextLabels": "HyperText",
        "ParagraphLabels": "Paragraphs",
        "TimeSeriesLabels": "TimeSeries",
    }
    obj = objects.get(control, "Text")
    err = _error(f'<View><{obj} name="o" value="$v"/>\n<{control} name="c" toName="o"></{control}></View>')
    assert err.tag == control and err.line == 2 and "needs at least one" in err.message


@pytest.mark.parametrize(
    "control", ["RectangleLabels", "PolygonLabels", "KeyPointLabels", "EllipseLabels", "BrushLabels"]
)
def test_image_controls_without_options(control: str) -> None:
    err = _error(f'<View><Image name="o" value="$v"/><{control} name="c" toName="o"/></View>')
    assert err.tag == control and "<Label>" in err.message


def test_duplicate_option_values() -> None:
    err = _error(
        f'<View>{TEXT}\n<Labels name="l" toName="txt"><Label value="A"/>\n<Label value="A"/></Labels></View>'
    )
    assert err.tag == "Labels" and err.line == 2 and "'A' appears twice" in err.message


def test_option_without_value() -> None:
    err = _error(f'<View>{TEXT}<Choices name="c" toName="txt"><Choice hotkey="1"/></Choices></View>')
    assert (err.tag, err.attribute) == ("Choice", "value")


def test_malformed_xml_reports_line() -> None:
    err = _error("<View>\n  <Text name='a' value='$a'>\n  </Choices>\n</View>")
    assert err.line == 3 and "malformed XML" in err.message


@pytest.mark.parametrize("xml", ["", "   ", "not xml at all", "<View>", "<View></Vie>"])
def test_garbage_is_a_config_error(xml: str) -> None:
    _error(xml)


def test_root_must_be_view() -> None:
    err = _error(f"<Choices>{TEXT}</Choices>")
    assert err.tag == "Choices" and "root" in err.message


def test_lower_case_tags_are_accepted_and_normalized() -> None:
    schema = parse_config('<view><text name="t" value="$t"/><textarea name="a" toName="t"/></view>')
    assert schema.layout.tag == "View"
    assert schema.objects["t"].tag == "Text" and schema.controls["a"].type == "textarea"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<View><Header value="&lol3;"/></View>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE View [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<View><Header value="&xxe;"/><Text name="t" value="&xxe;"/></View>"""


@pytest.mark.parametrize(
    "xml", [BILLION_LAUGHS, EXTERNAL_ENTITY, "<!doctype View><View/>", '<View><!ENTITY a "b"></View>']
)
def test_doctype_and_entities_are_refused_not_expanded(xml: str) -> None:
    err = _error(xml)
    assert "DOCTYPE is not allowed" in str(err)
    assert "root:" not in str(err) and "lol" not in str(err)


def test_undeclared_entity_is_refused() -> None:
    err = _error('<View><Header value="&xxe;"/></View>')
    assert "xxe" in err.message


@pytest.mark.parametrize(
    "xml",
    [
        "<View><Style><script>alert(1)</script></Style></View>",
        "<View><SCRIPT>alert(1)</SCRIPT></View>",
        "<View><Header>&lt;script&gt;alert(1)&lt;/script&gt;</Header></View>",
        "<View><Style>.a{}&lt;/style&gt;&lt;img src=x&gt;</Style></View>",
        "<View><Style>.a { background: url(javascript:alert(1)) }</Style></View>",
    ],
)
def test_script_is_refused(xml: str) -> None:
    err = _error(xml)
    assert "not allowed" in err.message


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("onclick", "alert(1)"),
        ("onMouseOver", "x"),
        ("href", "javascript:alert(1)"),
        ("href", " JaVa\tScript:alert(1)"),
        ("value", "&lt;img src=x onerror=alert(1)&gt;"),
        ("style", "background: url('javascript:alert(1)')"),
    ],
)
def test_event_handlers_and_script_urls_are_refused(attribute: str, value: str) -> None:
    err = _error(f'<View>\n<Header {attribute}="{value}"/></View>')
    assert (err.tag, err.attribute, err.line) == ("Header", attribute, 2)


def test_only_attribute_is_not_mistaken_for_an_event_handler() -> None:
    parse_config(f'<View>{TEXT}<DateTime name="d" toName="txt" only="date"/></View>')


@pytest.mark.parametrize(
    ("control", "obj"),
    [("RectangleLabels", "Text"), ("Labels", "Image"), ("Ranker", "Text"), ("PolygonLabels", "Audio")],
)
def test_incompatible_control_and_object(control: str, obj: str) -> None:
    child = "Bucket" if control == "Ranker" else "Label"
    err = _error(
        f'<View><{obj} name="o" value="$v"/>\n<{control} name="c" toName="o"><{child} value="a"/></{control}></View>'
    )
    assert (err.tag, err.attribute, err.line) == (control, "toName", 2)
    assert f"cannot label <{obj}" in err.message


@pytest.mark.parametrize("value", ["0", "-3", "ten", "2.5"])
def test_invalid_max_rating(value: str) -> None:
    err = _error(f'<View>{TEXT}<Rating name="r" toName="txt" maxRating="{value}"/></View>')
    assert (err.tag, err.attribute) == ("Rating", "maxRating") and "positive integer" in err.message


def test_number_min_greater_than_max_and_bad_step() -> None:
    err = _error(f'<View>{TEXT}<Number name="n" toName="txt" min="10" max="1"/></View>')
    assert (err.tag, err.attribute) == ("Number", "min")
    assert _error(f'<View>{TEXT}<Number name="n" toName="txt" max="x"/></View>').attribute == "max"
    assert _error(f'<View>{TEXT}<Number name="n" toName="txt" step="0"/></View>').attribute == "step"


def test_choice_mode_must_be_known() -> None:
    err = _error(
        f'<View>{TEXT}<Choices name="c" toName="txt" choice="many"><Choice value="a"/></Choices></View>'
    )
    assert err.attribute == "choice" and "single, multiple, single-radio" in err.message


def test_visible_when_references() -> None:
    base = f'<View>{TEXT}<Choices name="c" toName="txt"><Choice value="a"/></Choices>'
    ok = (
        base
        + '<TextArea name="t" toName="txt" visibleWhen="choice-selected" whenTagName="c" whenChoiceValue="a"/></View>'
    )
    control = parse_config(ok).controls["t"]
    assert (control.visible_when, control.when_tag_name, control.when_choice_value) == (
        "choice-selected",
        "c",
        "a",
    )
    bad_mode = base + '<TextArea name="t" toName="txt" visibleWhen="sometimes"/></View>'
    assert _error(bad_mode).attribute == "visibleWhen"
    bad_tag = base + '<View visibleWhen="choice-selected" whenTagName="nope"/></View>'
    assert _error(bad_tag).attribute == "whenTagName"
    bad_value = base + '<View visibleWhen="choice-selected" whenTagName="c" whenChoiceValue="a,zzz"/></View>'
    err = _error(bad_value)
    assert err.attribute == "whenChoiceValue" and "'zzz'" in err.message


def test_pairwise_needs_two_objects() -> None:
    err = _error(f'<View>{TEXT}<Pairwise name="p" toName="txt"/></View>')
    assert (err.tag, err.attribute) == ("Pairwise", "toName")


def test_misplaced_tags() -> None:
    assert "must be placed inside" in _error("<View><Label value='a'/></View>").message
    err = _error(
        f'<View>{TEXT}<Choices name="c" toName="txt"><Choice value="a"><Choice value="b"/></Choice></Choices></View>'
    )
    assert "nested" in err.message
    err = _error(f'<View><Choices name="c" toName="txt"><Choice value="a"/>{TEXT}</Choices></View>')
    assert err.tag == "Text" and "inside <Choices>" in err.message


def test_size_and_depth_limits() -> None:
    assert "larger than" in _error("<View>" + " " * 1_100_000 + "</View>").message
    deep = "<View>" * 80 + "</View>" * 80
    assert "nested more than" in _error(deep).message


def test_non_text_input() -> None:
    assert "must be text" in _error(42).message  # type: ignore[arg-type]
    assert "UTF-8" in _error(b"<View>\xff</View>").message  # type: ignore[arg-type]
