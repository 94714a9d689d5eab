"""Scoring a prompt version without the database: spans by F1, several choices, missing answers."""

from __future__ import annotations

from typing import Any

import pytest

from labelwise import labeling
from labelwise.ml.contract import Proposal
from labelwise.ml.llm import evaluation
from tests.ml.llm.helpers import make_model
from tests.support.openai_server import Answer, OpenAIServer

NER = (
    '<View><Text name="text" value="$text"/>'
    '<Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>'
    '<Choices name="tags" toName="text" choice="multiple"><Choice value="a"/><Choice value="b"/></Choices></View>'
)
SCHEMA = labeling.parse_config(NER)


def span(start: int, end: int, label: str) -> dict[str, Any]:
    return {"from_name": "ner", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "labels": [label]}}  # fmt: skip


def tags(*values: str) -> dict[str, Any]:
    return {"from_name": "tags", "to_name": "text", "type": "choices", "value": {"choices": list(values)}}


def test_spans_score_by_f1_and_several_choices_by_exact_set() -> None:
    gold = [
        {"id": 1, "data": {}, "annotations": [
            {"completed_by": 1, "ground_truth": True, "result": [span(0, 3, "PER"), span(8, 12, "ORG"), tags("a", "b")]},
            {"completed_by": 2, "ground_truth": False, "result": [span(0, 3, "PER"), tags("a", "b")]},
        ]},
        {"id": 2, "data": {}, "annotations": [
            {"completed_by": 1, "ground_truth": True, "result": [span(0, 4, "ORG"), tags("a")]},
        ]},
    ]  # fmt: skip
    proposals = [Proposal(1, [span(0, 3, "PER"), tags("b", "a")], None, "m@1")]  # task 2: no answer
    metrics = evaluation.score(SCHEMA, gold, proposals)
    ner = metrics["ner"]
    # Task 1: one of two gold spans found (F1 2/3); task 2: nothing (F1 0).
    assert ner["accuracy"] == pytest.approx((2 / 3 + 0) / 2)
    # Against each human annotation: 2/3, 1 (annotator 2 marked only PER), 0.
    assert ner["consensus_agreement"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert ner["gold"] == 2 and ner["answered"] == 1
    choices = metrics["tags"]
    assert choices["accuracy"] == pytest.approx(1 / 2) and choices["answered"] == 1
    assert choices["consensus_agreement"] == 1.0 and choices["consensus_tasks"] == 1


def test_spans_over_http_are_found_in_the_task_text(llm_server: OpenAIServer) -> None:
    llm_server.script(
        Answer(
            content='{"ner": [{"text": "Acme", "label": "ORG"}, {"text": "Zed", "label": "PER"}], "tags": ["A"]}'
        )
    )
    model = make_model(llm_server, config=NER, prompt="Find entities in: {text}")
    [proposal] = model.predict([{"id": 5, "data": {"text": "Ann at Acme"}}])
    assert [r["value"] for r in proposal.result] == [
        {"start": 7, "end": 11, "text": "Acme", "labels": ["ORG"]},
        {"choices": ["a"]},
    ]
    assert model.report.dropped == {5: ["ner: 'Zed' does not occur in the text"]}
    sent = llm_server.chats()[0].body
    assert sent["response_format"]["json_schema"]["schema"]["properties"]["ner"]["type"] == "array"
    assert "exact words from the text" in sent["messages"][0]["content"]
