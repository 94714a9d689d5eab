"""perRegion classifications on text spans, in the shape the editor writes (and Label Studio exports)."""

from __future__ import annotations

import pytest

from labelwise.labeling import InvalidResult, parse_config, validate_result

CONFIG = """<View>
  <Labels name="ner" toName="txt"><Label value="PER"/></Labels>
  <Text name="txt" value="$text"/>
  <Choices name="kind" toName="txt" perRegion="true"><Choice value="A"/></Choices>
  <TextArea name="note" toName="txt" perRegion="true"/>
</View>"""
DATA = {"text": "Ada Lovelace met Babbage."}
SPAN = {"start": 0, "end": 12}


def region(name: str, rtype: str, **value: object) -> dict[str, object]:
    return {"id": "r1", "from_name": name, "to_name": "txt", "type": rtype, "value": {**SPAN, **value}}


def test_a_per_region_textarea_replaces_the_span_text_with_its_lines() -> None:
    schema = parse_config(CONFIG)
    validate_result(
        schema,
        DATA,
        [
            region("ner", "labels", text="Ada Lovelace", labels=["PER"]),
            region("kind", "choices", text="Ada Lovelace", choices=["A"]),
            region("note", "textarea", text=["mathematician", "poet's daughter"]),
        ],
    )


def test_per_region_spans_are_still_checked() -> None:
    schema = parse_config(CONFIG)
    with pytest.raises(InvalidResult) as info:
        validate_result(
            schema,
            DATA,
            [{**region("note", "textarea", text=["x"]), "value": {"start": 5, "end": 2, "text": ["x"]}}],
        )
    assert info.value.field == "value.end"
    with pytest.raises(InvalidResult) as info:
        validate_result(schema, DATA, [region("kind", "choices", text="Grace", choices=["A"])])
    assert info.value.field == "value.text"
