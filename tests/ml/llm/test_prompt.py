"""Prompt templates: placeholders for task data and options, strict about unknown names, safe with values."""

from __future__ import annotations

import json

import pytest

from labelwise import labeling
from labelwise.ml.contract import Example
from labelwise.ml.llm import prompt
from tests.ml.llm.helpers import CHOICES

SCHEMA = labeling.parse_config(CHOICES)


def test_text_and_labels_are_filled_in() -> None:
    out = prompt.render("Text: {text}\nOne of: {labels}", SCHEMA, {"text": "Great day"})
    assert out == "Text: Great day\nOne of: Positive, Negative, Neutral"


def test_labels_of_one_control_and_nested_fields() -> None:
    data = {"text": "x", "meta": {"source": "forum", "n": [1, 2]}}
    out = prompt.render("{labels.sentiment} | {meta.source} | {meta.n} | {meta}", SCHEMA, data)
    assert out == 'Positive, Negative, Neutral | forum | [1, 2] | {"source": "forum", "n": [1, 2]}'


def test_unknown_placeholder_is_refused_by_name() -> None:
    with pytest.raises(prompt.PromptError, match=r"\{title\}: unknown placeholder"):
        prompt.check("Classify {title}", SCHEMA)
    with pytest.raises(prompt.PromptError, match=r"\{labels.topic\}: the config has no control 'topic'"):
        prompt.check("Classify {text} as {labels.topic}", SCHEMA)


def test_fields_outside_the_config_are_known_from_a_sample_task() -> None:
    prompt.check("{text} from {meta.source}", SCHEMA, {"text": "x", "meta": {"source": "a"}})
    with pytest.raises(prompt.PromptError, match=r"\{meta.source\}"):
        prompt.render("{meta.source}", SCHEMA, {"text": "x"})


def test_no_attribute_access_and_no_second_expansion() -> None:
    with pytest.raises(prompt.PromptError, match=r"the task has no field 'text.__class__'"):
        prompt.render("{text.__class__}", SCHEMA, {"text": "x"})
    # A placeholder inside task data stays as it is; other braces are plain text.
    out = prompt.render('{text} {0} {"a": 1} {} {labels', SCHEMA, {"text": "{labels}"})
    assert out == '{labels} {0} {"a": 1} {} {labels'


def test_messages_carry_instructions_few_shot_examples_and_the_task() -> None:
    example = Example(
        task={"id": 7, "data": {"text": "Awful"}},
        result=[
            {
                "from_name": "sentiment",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": ["Negative"]},
            }
        ],
        ground_truth=True,
    )
    messages = prompt.preview("Classify: {text}", SCHEMA, {"text": "Lovely"}, [example])
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert '"sentiment": exactly one of Positive, Negative, Neutral' in messages[0]["content"]
    assert messages[1]["content"] == "Classify: Awful"
    assert json.loads(messages[2]["content"]) == {"sentiment": "Negative"}
    assert messages[3]["content"] == "Classify: Lovely"


def test_few_shot_takes_ground_truth_first() -> None:
    plain = Example(task={"id": 1, "data": {"text": "a"}}, result=[])
    gold = Example(task={"id": 2, "data": {"text": "b"}}, result=[], ground_truth=True)
    assert prompt.few_shot([plain, gold], 1) == [gold]
    assert prompt.few_shot([plain, gold], 0) == []
