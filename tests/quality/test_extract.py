"""Label Studio JSON to votes: one row per annotator and task, abstentions left out."""

from __future__ import annotations

import pandas as pd

from labelwise import quality
from labelwise.quality.extract import votes_from_tasks


def _choice(value: list[str], name: str = "sentiment") -> dict[str, object]:
    return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": value}}


TASKS = [
    {
        "id": 1,
        "annotations": [
            {"completed_by": 7, "result": [_choice(["pos"])]},
            {"completed_by": {"id": 8, "email": "b@x"}, "result": [_choice(["neg"])]},
            {"completed_by": 9, "was_cancelled": True, "result": []},
            {"completed_by": 10, "result": [_choice(["pos"], name="other")]},
        ],
        "predictions": [{"model_version": "v2", "result": [_choice(["pos"])]}],
    },
    {
        "id": 2,
        "annotations": [
            {"completed_by": 7, "result": [_choice(["b", "a"])]},
            {"completed_by": 8, "result": [{"from_name": "rate", "type": "rating", "value": {"rating": 4}}]},
        ],
    },
]


def test_votes_from_tasks() -> None:
    columns = votes_from_tasks(TASKS, "sentiment")
    assert columns == {"task": [1, 1, 2], "worker": [7, 8, 7], "label": ["pos", "neg", ("a", "b")]}
    with_models = votes_from_tasks(TASKS, "sentiment", include_predictions=True)
    assert ("model:v2", "pos") in zip(with_models["worker"], with_models["label"], strict=True)
    assert votes_from_tasks(TASKS, "rate") == {"task": [2], "worker": [8], "label": [4]}


def test_votes_feed_the_estimators() -> None:
    frame = pd.DataFrame(votes_from_tasks(TASKS[:1], "sentiment", include_predictions=True))
    labels = quality.MajorityVote().fit_predict(frame)
    assert labels.loc[1] == "pos"
