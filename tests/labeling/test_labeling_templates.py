"""Every built-in template parses, declares the data its sample task provides, and accepts a typical result."""

from __future__ import annotations

import json
from typing import Any

import pytest

from labelwise.labeling import TEMPLATES, get_template, missing_data_keys, parse_config, validate_result

BOX = {"x": 10.0, "y": 20.0, "width": 30.5, "height": 40.0, "rotation": 0}


def _region(from_name: str, to_name: str, rtype: str, value: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"from_name": from_name, "to_name": to_name, "type": rtype, "value": value, **extra}


VALID_RESULTS: dict[str, list[dict[str, Any]]] = {
    "text_classification": [_region("sentiment", "text", "choices", {"choices": ["Positive"]})],
    "multi_label_classification": [
        _region("topics", "text", "choices", {"choices": ["Business", "Technology"]}),
    ],
    "named_entity_recognition": [
        _region(
            "label", "text", "labels", {"start": 0, "end": 12, "text": "Ada Lovelace", "labels": ["PER"]}
        ),
        _region("label", "text", "labels", {"start": 44, "end": 50, "labels": ["LOC"]}, id="loc"),
    ],
    "relation_extraction": [
        _region("label", "text", "labels", {"start": 0, "end": 11, "labels": ["Person"]}, id="a"),
        _region("label", "text", "labels", {"start": 27, "end": 47, "labels": ["Organization"]}, id="b"),
        {"type": "relation", "from_id": "a", "to_id": "b", "direction": "right", "labels": ["works_for"]},
    ],
    "sentiment_rating": [
        _region("sentiment", "review", "choices", {"choices": ["Mixed"]}),
        _region("intensity", "review", "rating", {"rating": 4}),
    ],
    "dialogue_intent": [
        _region(
            "intent",
            "dialogue",
            "paragraphlabels",
            {
                "start": "0",
                "end": "0",
                "startOffset": 0,
                "endOffset": 3,
                "text": "Hi,",
                "paragraphlabels": ["Greeting"],
            },
        ),
        _region("resolved", "dialogue", "choices", {"choices": ["Resolved"]}),
    ],
    "pairwise_text": [_region("comparison", "summary_a,summary_b", "pairwise", {"selected": "left"})],
    "llm_answer_grading": [
        _region("correctness", "answer", "choices", {"choices": ["Partially correct"]}),
        _region("helpfulness", "answer", "rating", {"rating": 7}),
        _region("critique", "answer", "textarea", {"text": ["Missing the unit in Fahrenheit."]}),
    ],
    "taxonomy": [
        _region("category", "text", "taxonomy", {"taxonomy": [["Electronics", "Audio", "Headphones"]]}),
    ],
    "question_answering": [
        _region("answer", "context", "textarea", {"text": ["Charles Babbage"]}),
        _region("answerable", "context", "choices", {"choices": ["Answerable"]}),
    ],
    "image_classification": [_region("animal", "image", "choices", {"choices": ["Cat"]})],
    "object_detection": [
        _region("label", "image", "rectanglelabels", {**BOX, "rectanglelabels": ["Car"]}, id="r1"),
        _region("label", "image", "rectangle", BOX, id="r2", original_width=640, original_height=480),
    ],
    "polygon_segmentation": [
        _region(
            "label",
            "image",
            "polygonlabels",
            {"points": [[10, 10], [50.5, 12], [30, 60]], "polygonlabels": ["Building"]},
        ),
    ],
    "keypoints": [
        _region("keypoint", "image", "keypointlabels", {"x": 45, "y": 20, "keypointlabels": ["Nose"]})
    ],
    "ocr": [
        _region("bbox", "image", "rectanglelabels", {**BOX, "rectanglelabels": ["Text"]}, id="w1"),
        _region("transcription", "image", "textarea", {**BOX, "text": ["TOTAL 12.50"]}, id="w1"),
    ],
    "semantic_segmentation": [
        _region(
            "mask", "image", "brushlabels", {"format": "rle", "rle": [0, 12, 255, 3], "brushlabels": ["Sky"]}
        ),
    ],
    "audio_classification": [_region("sound", "audio", "choices", {"choices": ["Speech"]})],
    "speaker_segmentation": [
        _region(
            "speaker", "audio", "labels", {"start": 0.5, "end": 3.25, "channel": 0, "labels": ["Speaker 1"]}
        ),
    ],
    "audio_transcription": [
        _region(
            "labels",
            "audio",
            "labels",
            {"start": 0.5, "end": 2.0, "channel": 0, "labels": ["Speech"]},
            id="s1",
        ),
        _region(
            "transcription",
            "audio",
            "textarea",
            {"start": 0.5, "end": 2.0, "text": ["hello [inaudible]"]},
            id="s1",
        ),
    ],
    "ranking": [
        _region(
            "rank", "results", "ranker", {"ranker": {"relevant": ["docs", "blog"], "irrelevant": ["ad"]}}
        ),
    ],
    "html_ner": [
        _region(
            "ner",
            "page",
            "hypertextlabels",
            {
                "start": "/p[1]/b[1]/text()[1]",
                "end": "/p[1]/b[1]/text()[1]",
                "startOffset": 0,
                "endOffset": 12,
                "text": "Grace Hopper",
                "hypertextlabels": ["Person"],
            },
        ),
    ],
    "time_series_segmentation": [
        _region(
            "event",
            "sensor",
            "timeserieslabels",
            {"start": 12, "end": 40, "instant": False, "timeserieslabels": ["Walking"]},
        ),
    ],
    "tabular_review": [
        _region("valid", "record", "choices", {"choices": ["Valid"]}),
        _region("amount", "record", "number", {"number": 1204.5}),
        _region("invoice_date", "record", "datetime", {"datetime": "2024-03-01"}),
    ],
    "supervised_fine_tuning": [
        _region(
            "response", "prompt", "textarea", {"text": ["Recursion is when something is defined by itself."]}
        ),
        _region("safety", "prompt", "choices", {"choices": ["Needs citation", "Harmful request"]}),
    ],
}


def test_there_are_enough_templates_with_unique_ids() -> None:
    ids = [t.id for t in TEMPLATES]
    assert len(ids) >= 20
    assert len(set(ids)) == len(ids)
    assert get_template("ocr").group == "Computer Vision"
    with pytest.raises(KeyError, match="nope"):
        get_template("nope")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_template_parses_and_matches_its_sample_task(template: Any) -> None:
    schema = parse_config(template.config)
    assert set(schema.data_keys) == set(template.sample_task)
    assert missing_data_keys(schema, template.sample_task) == []
    json.dumps(schema.to_json())
    json.dumps(template.to_json())


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_template_accepts_a_typical_result(template: Any) -> None:
    schema = parse_config(template.config)
    validate_result(schema, template.sample_task, VALID_RESULTS[template.id])


def test_valid_results_cover_every_control_type() -> None:
    used = {region["type"] for results in VALID_RESULTS.values() for region in results}
    expected = {
        "choices", "labels", "rectanglelabels", "rectangle", "polygonlabels", "keypointlabels", "brushlabels",
        "textarea", "rating", "number", "datetime", "taxonomy", "pairwise", "ranker", "relation",
        "timeserieslabels", "hypertextlabels", "paragraphlabels",
    }  # fmt: skip
    assert expected <= used


def test_every_template_has_a_valid_result() -> None:
    assert set(VALID_RESULTS) == {t.id for t in TEMPLATES}
