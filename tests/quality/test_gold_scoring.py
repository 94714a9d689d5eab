"""Scoring an answer against a reference (gold tasks) and the smoothed vote share (dynamic overlap)."""

from __future__ import annotations

from typing import Any

import pytest

from labelwise.quality import reference
from labelwise.quality.confidence import task_confidence, top_share


def _r(name: str, kind: str, **value: Any) -> dict[str, Any]:
    return {"from_name": name, "to_name": "x", "type": kind, "value": value}


KINDS = {
    "sentiment": reference.kind_of("choices"),
    "topics": reference.kind_of("choices", multiple=True),
    "stars": reference.kind_of("rating"),
    "ner": reference.kind_of("labels"),
    "box": reference.kind_of("rectanglelabels"),
}


def test_exact_match_for_single_choices_and_ratings() -> None:
    truth = [_r("sentiment", "choices", choices=["pos"]), _r("stars", "rating", rating=4)]
    assert reference.score(truth, truth, KINDS) == (1.0, {"sentiment": 1.0, "stars": 1.0})
    half = [_r("sentiment", "choices", choices=["pos"]), _r("stars", "rating", rating=3)]
    assert reference.score(half, truth, KINDS) == (0.5, {"sentiment": 1.0, "stars": 0.0})
    assert reference.score([], truth, KINDS)[0] == 0.0  # no answer is a wrong answer


def test_jaccard_for_multiple_choices() -> None:
    truth = [_r("topics", "choices", choices=["a", "b"])]
    answer = [_r("topics", "choices", choices=["b", "c"])]
    assert reference.score(answer, truth, KINDS)[0] == pytest.approx(1 / 3)


def test_regions_match_at_iou_one_half() -> None:
    truth = [
        _r("ner", "labels", start=0, end=10, labels=["PER"]),
        _r("ner", "labels", start=20, end=30, labels=["ORG"]),
    ]
    close = [_r("ner", "labels", start=1, end=10, labels=["PER"])]  # IoU 0.9 on the first, the second missed
    assert reference.score(close, truth, KINDS)[0] == pytest.approx(2 / 3)
    wrong_label = [_r("ner", "labels", start=0, end=10, labels=["ORG"]), truth[1]]
    assert reference.score(wrong_label, truth, KINDS)[0] == pytest.approx(0.5)
    box = [_r("box", "rectanglelabels", x=10, y=10, width=20, height=20, rectanglelabels=["car"])]
    shifted = [_r("box", "rectanglelabels", x=30, y=30, width=20, height=20, rectanglelabels=["car"])]
    assert reference.score(box, box, KINDS)[0] == 1.0
    assert reference.score(shifted, box, KINDS)[0] == 0.0


def test_controls_the_reference_does_not_answer_are_not_scored() -> None:
    assert reference.score([_r("sentiment", "choices", choices=["pos"])], [], KINDS) == (None, {})
    truth = [_r("free", "textarea", text=["x"])]
    assert reference.score(truth, truth, KINDS) == (None, {})  # not among the kinds asked for


def test_smoothed_top_share() -> None:
    assert top_share([]) is None
    assert top_share(["a", "a"], 2) == pytest.approx(2.1 / 2.2)
    assert top_share(["a", "a", "b"], 2) == pytest.approx(2.1 / 3.2)
    assert top_share(["a"] * 9, 2) > top_share(["a"] * 3, 2) > top_share(["a"], 2)
    # The least certain control decides.
    votes = {"x": ["a", "a", "a"], "y": ["b", "c", "b"]}
    assert task_confidence(votes, {"x": 2, "y": 3}) == pytest.approx(top_share(["b", "c", "b"], 3))
    assert task_confidence({"x": []}, {}) is None
