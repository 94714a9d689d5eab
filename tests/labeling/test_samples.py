"""Sample tasks for the config editor's preview: every `$key` present, with data shaped for its tag."""

from __future__ import annotations

import pytest

from labelwise.labeling import TEMPLATES, missing_data_keys, parse_config
from labelwise.labeling.samples import MEDIA, sample_data, sample_task


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_every_template_gets_every_key(template: object) -> None:
    schema = parse_config(template.config)  # type: ignore[attr-defined]
    data = sample_data(schema)
    assert missing_data_keys(schema, data) == []
    assert set(schema.data_keys) <= set(data)


def test_shapes_by_object_type() -> None:
    schema = parse_config(
        """<View>
        <Header value="$question"/>
        <Text name="t" value="$text"/>
        <HyperText name="h" value="$html"/>
        <Paragraphs name="p" value="$dialogue" nameKey="speaker" textKey="line"/>
        <List name="l" value="$items"/>
        <Image name="i" value="$image"/>
        <Audio name="a" value="$audio"/>
        <Choices name="c" toName="t" value="$options"/>
        </View>"""
    )
    data = sample_data(schema)
    assert isinstance(data["text"], str) and len(data["text"].split()) > 3
    assert data["html"].startswith("<p>")
    assert all(set(turn) == {"speaker", "line"} for turn in data["dialogue"]) and len(data["dialogue"]) >= 2
    assert all(set(item) == {"id", "title", "body"} for item in data["items"])
    assert data["image"] == MEDIA["image"] and data["image"].startswith("/static/")  # same origin
    assert data["audio"].startswith("/")
    assert data["options"] == [{"value": "Option A"}, {"value": "Option B"}, {"value": "Option C"}]
    assert data["question"] == "Sample question"


def test_same_config_same_task() -> None:
    schema = parse_config('<View><Text name="a" value="$a"/><Text name="b" value="$b"/></View>')
    assert sample_task(schema) == sample_task(schema)
    assert sample_task(schema)["id"] == 0
    assert sample_task(schema)["data"]["a"] != sample_task(schema)["data"]["b"]
