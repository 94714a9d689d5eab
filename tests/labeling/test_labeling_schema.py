"""What a parsed schema contains: typed attributes, data keys, layout and its JSON form."""

from __future__ import annotations

import json

import pytest

from labelwise.labeling import InvalidResult, missing_data_keys, parse_config, validate_result

CONFIG = """<View>
  <Header value="Review of $title by $author"/>
  <Text name="txt" value="$text" granularity="word"/>
  <Choices name="mood" toName="txt" choice="single-radio" showInline="true" required="true" perRegion="false">
    <View style="display: flex">
      <Choice value="Happy" alias="happy" hotkey="h" background="#fff" selected="true" hint="smiling"/>
      <Choice value="Sad"/>
    </View>
  </Choices>
  <Labels name="lbl" toName="txt" maxUsages="3"><Label value="X"/></Labels>
  <Number name="n" toName="txt" min="1.5" max="9" step="0.5"/>
  <TextArea name="ta" toName="txt" rows="4" editable="true" placeholder="say" hotkey="t"
            visibleWhen="region-selected" whenTagName="txt" whenLabelValue="X"/>
  <Image name="img" valueList="$pages"/>
  <Relations><Relation value="rel" background="red"/></Relations>
  <Collapse><Panel value="More"><Text name="lit" value="A literal text"/></Panel></Collapse>
</View>"""


def test_typed_fields() -> None:
    schema = parse_config(CONFIG)
    mood = schema.controls["mood"]
    assert (mood.type, mood.choice, mood.show_inline, mood.required, mood.per_region) == (
        "choices", "single-radio", True, True, False,
    )  # fmt: skip
    happy = mood.options[0]
    assert (happy.value, happy.alias, happy.hotkey, happy.background, happy.selected, happy.hint) == (
        "Happy", "happy", "h", "#fff", True, "smiling",
    )  # fmt: skip
    assert schema.controls["lbl"].max_usages == 3
    number = schema.controls["n"]
    assert (number.min, number.max, number.step) == (1.5, 9.0, 0.5)
    ta = schema.controls["ta"]
    assert (ta.rows, ta.editable, ta.placeholder, ta.hotkey, ta.visible_when) == (
        4,
        True,
        "say",
        "t",
        "region-selected",
    )
    assert schema.objects["txt"].attrs["granularity"] == "word"
    assert schema.objects["img"].value_key is None and schema.objects["img"].value_list_key == "pages"
    assert schema.objects["lit"].value_key is None and schema.objects["lit"].value == "A literal text"
    assert [r.value for r in schema.relations] == ["rel"] and schema.has_relations_tag
    assert schema.controls["lbl"].line == 10


def test_data_keys_in_order_of_appearance() -> None:
    schema = parse_config(CONFIG)
    assert schema.data_keys == ("title", "author", "text", "pages")
    assert schema.required_data_keys == ("text", "pages")
    assert missing_data_keys(schema, {"text": "x", "title": "t"}) == ["pages"]
    assert missing_data_keys(schema, {"text": None, "pages": []}) == ["text"]


def test_layout_and_json() -> None:
    schema = parse_config(CONFIG)
    assert schema.layout.tag == "View"
    assert [child.tag for child in schema.layout.children][:3] == ["Header", "Text", "Choices"]
    assert schema.layout.children[2].children[0].tag == "View"
    as_json = json.loads(json.dumps(schema.to_json()))
    assert as_json["controls"]["mood"]["options"][0]["alias"] == "happy"
    assert as_json["layout"]["children"][-1]["children"][0]["tag"] == "Panel"


def test_parse_is_cached() -> None:
    assert parse_config(CONFIG) is parse_config(CONFIG)


def test_taxonomy_paths_and_aliases() -> None:
    schema = parse_config(
        '<View><Text name="t" value="$t"/><Taxonomy name="tx" toName="t">'
        '<Choice value="A"><Choice value="A1" alias="a-one"/></Choice><Choice value="B"/></Taxonomy></View>'
    )
    assert schema.controls["tx"].options[0].children[0].value == "A1"
    region = {
        "from_name": "tx",
        "to_name": "t",
        "type": "taxonomy",
        "value": {"taxonomy": [["A", "a-one"], ["B"]]},
    }
    validate_result(schema, {"t": "x"}, [region])


def test_dynamic_choices_are_not_checked() -> None:
    schema = parse_config(
        '<View><Text name="t" value="$t"/><Choices name="c" toName="t" value="$opts"/></View>'
    )
    assert schema.controls["c"].options_key == "opts" and "opts" in schema.data_keys
    region = {"from_name": "c", "to_name": "t", "type": "choices", "value": {"choices": ["anything"]}}
    validate_result(schema, {"t": "x", "opts": [{"value": "anything"}]}, [region])


def test_pairwise_to_name_forms() -> None:
    schema = parse_config(
        '<View><Text name="a" value="$a"/><Text name="b" value="$b"/><Pairwise name="p" toName="a,b"/></View>'
    )
    assert schema.controls["p"].to_name == ("a", "b")
    for to_name in ("a", "a,b", "p"):
        region = {"from_name": "p", "to_name": to_name, "type": "pairwise", "value": {"selected": "right"}}
        validate_result(schema, {}, [region])


def test_ranker_and_paragraph_data_checks() -> None:
    schema = parse_config(
        '<View><List name="l" value="$items"/><Ranker name="r" toName="l"/>'
        '<Paragraphs name="p" value="$d"/><ParagraphLabels name="pl" toName="p"><Label value="Q"/></ParagraphLabels></View>'
    )
    data = {"items": [{"id": "a"}, {"id": "b"}], "d": [{"text": "hi"}]}
    with pytest.raises(InvalidResult) as info:
        validate_result(
            schema,
            data,
            [{"from_name": "r", "to_name": "l", "type": "ranker", "value": {"ranker": {"r": ["a", "zz"]}}}],
        )
    assert info.value.field == "value.ranker.r"
    span = {"start": "0", "end": "1", "startOffset": 0, "endOffset": 1, "paragraphlabels": ["Q"]}
    with pytest.raises(InvalidResult) as info:
        validate_result(
            schema, data, [{"from_name": "pl", "to_name": "p", "type": "paragraphlabels", "value": span}]
        )
    assert info.value.field == "value.end"
