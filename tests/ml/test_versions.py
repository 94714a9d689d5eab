"""Model versions scored from their stored predictions (`ml/versions.py`), on both databases: two versions
with known right and wrong answers, per-label precision and recall, the stored consensus preferred to the
human majority, model members left out of the majority, and the cap on the tasks read."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.models import TaskConsensus
from labelwise.ml import versions
from labelwise.ml.versions import Reference
from labelwise.services import projects, users
from tests.api.test_tasks_and_import import choice, make_project
from tests.conftest import ADMIN_EMAIL
from tests.support.people import member

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/><Choice value="neu"/>'
    "</Choices></View>"
)
MODEL_A, MODEL_B = "llm-901@models.labelwise", "llm-902@models.labelwise"


def _ann(who: str, value: str, ground_truth: bool = False) -> dict[str, Any]:
    return {"completed_by": who, "result": [choice(value)], "ground_truth": ground_truth}


def _pred(version: str, value: str, score: float) -> dict[str, Any]:
    return {"model_version": version, "result": [choice(value)], "score": score}


def _label(figures: dict[str, Any], label: str) -> dict[str, Any]:
    [row] = [row for row in figures["labels"] if row["label"] == label]
    return row


@pytest.fixture
def crowd(client: TestClient, db: Session) -> dict[str, Any]:
    return make_crowd(client, db)


def make_crowd(client: TestClient, db: Session) -> dict[str, Any]:
    """Tasks 1-4: a ground truth (pos, pos, neg, neu) and no other annotation. Task 5: one human says neu,
    two model members say neg. Task 6: humans pos, neg, neg, but the stored consensus says pos. Task 7: only a
    model member's annotation (no reference). Task 8: nothing but a prediction of v3."""
    pid = make_project(client, CONFIG)
    for k in (1, 2, 3):
        member(db, pid, f"h{k}@example.com")
    for email in (MODEL_A, MODEL_B):
        users.create(db, email, None, "annotator")
    db.commit()
    gt = [_ann(ADMIN_EMAIL, v, ground_truth=True) for v in ("pos", "pos", "neg", "neu")]
    v1 = ["pos", "neg", "neg", "pos", "neu", "pos", "neg"]  # right on 1, 3 against the truth
    v2 = ["pos", "pos", "pos", "neu"]  # right on 1, 2, 4
    items: list[dict[str, Any]] = []
    for i in range(4):
        preds = [_pred("v1", v1[i], 0.5), _pred("v2", v2[i], 0.9 if i % 2 else 0.7)]
        items.append({"data": {"text": f"t{i + 1}"}, "annotations": [gt[i]], "predictions": preds})
    items.append({"data": {"text": "t5"}, "predictions": [_pred("v1", v1[4], 0.5)],
                  "annotations": [_ann("h1@example.com", "neu"), _ann(MODEL_A, "neg"), _ann(MODEL_B, "neg")]})  # fmt: skip
    items.append({"data": {"text": "t6"}, "predictions": [_pred("v1", v1[5], 0.5)],
                  "annotations": [_ann(f"h{k}@example.com", v) for k, v in ((1, "pos"), (2, "neg"), (3, "neg"))]})  # fmt: skip
    items.append({"data": {"text": "t7"}, "predictions": [_pred("v1", v1[6], 0.5)],
                  "annotations": [_ann(MODEL_A, "neg")]})  # fmt: skip
    items.append({"data": {"text": "t8"}, "predictions": [_pred("v3", "pos", 0.1)]})
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=items)
    assert r.status_code == 201, r.text
    tasks = r.json()["task_ids"]
    db.add(TaskConsensus(task_id=tasks[5], project_id=pid, control="sentiment", result=[choice("pos")],
                         confidence=0.6, method="dawid_skene"))  # fmt: skip
    db.commit()
    return {"pid": pid, "tasks": tasks}


def test_two_versions_against_ground_truth_with_exact_per_label_figures(
    db: Session, crowd: dict[str, Any]
) -> None:
    out = versions.compare(db, projects.get(db, crowd["pid"]))
    assert out["truncated"] is False and out["tasks"] == 6
    by = {v["model_version"]: v for v in out["versions"]}
    assert set(by) == {"v1", "v2", "v3"}
    v1 = by["v1"]["controls"]["sentiment"]["ground_truth"]
    assert v1["tasks"] == 4 and v1["accuracy"] == 0.5
    assert _label(v1, "pos") == {"label": "pos", "support": 2, "recall": 0.5, "precision": 0.5}
    assert _label(v1, "neg") == {"label": "neg", "support": 1, "recall": 1.0, "precision": 0.5}
    assert _label(v1, "neu") == {"label": "neu", "support": 1, "recall": 0.0, "precision": None}
    assert [row["label"] for row in v1["labels"]] == ["pos", "neg", "neu"]  # config order
    v2 = by["v2"]["controls"]["sentiment"]["ground_truth"]
    assert v2["tasks"] == 4 and v2["accuracy"] == 0.75
    assert _label(v2, "pos") == {
        "label": "pos",
        "support": 2,
        "recall": 1.0,
        "precision": pytest.approx(2 / 3),
    }
    assert _label(v2, "neg") == {"label": "neg", "support": 1, "recall": 0.0, "precision": None}
    assert _label(v2, "neu") == {"label": "neu", "support": 1, "recall": 1.0, "precision": 1.0}
    # v3 predicted only a task nobody labelled: counted, not scored.
    v3 = by["v3"]
    assert v3["predictions"] == 1 and v3["tasks"] == 0
    assert v3["controls"]["sentiment"]["ground_truth"] == {"tasks": 0, "accuracy": None, "labels": []}


def test_consensus_stored_first_then_the_human_majority_without_model_members(
    db: Session, crowd: dict[str, Any]
) -> None:
    out = versions.compare(db, projects.get(db, crowd["pid"]))
    assert out["consensus_stored"] is True
    by = {v["model_version"]: v for v in out["versions"]}
    v1 = by["v1"]["controls"]["sentiment"]["consensus"]
    # References: tasks 1-4 their one (ground-truth) human vote; 5 neu (the models' two neg votes do not
    # count); 6 pos as stored (the humans' majority would be neg). Task 7 has no human: no reference.
    # v1 says pos, neg, neg, pos, neu, pos: right on 1, 3, 5, 6.
    assert v1["tasks"] == 6 and v1["agreement"] == pytest.approx(4 / 6)
    assert v1["stored"] == 1 and v1["majority"] == 5
    assert _label(v1, "pos") == {"label": "pos", "support": 3, "recall": pytest.approx(2 / 3),
                                 "precision": pytest.approx(2 / 3)}  # fmt: skip
    assert _label(v1, "neg") == {"label": "neg", "support": 1, "recall": 1.0, "precision": 0.5}
    assert _label(v1, "neu") == {"label": "neu", "support": 2, "recall": 0.5, "precision": 1.0}
    v2 = by["v2"]["controls"]["sentiment"]["consensus"]
    assert v2["tasks"] == 4 and v2["agreement"] == 0.75 and v2["stored"] == 0


def test_counts_mean_score_and_dates_newest_version_first(db: Session, crowd: dict[str, Any]) -> None:
    out = versions.compare(db, projects.get(db, crowd["pid"]))
    by = {v["model_version"]: v for v in out["versions"]}
    assert by["v1"]["predictions"] == 7 and by["v1"]["mean_score"] == pytest.approx(0.5)
    assert by["v2"]["predictions"] == 4 and by["v2"]["mean_score"] == pytest.approx(0.8)
    for v in out["versions"]:
        assert v["first_created_at"] is not None and v["first_created_at"] <= v["last_created_at"]
    stamps = [v["last_created_at"] for v in out["versions"]]
    assert stamps == sorted(stamps, reverse=True)


def test_the_cap_keeps_the_newest_scored_tasks_and_says_so(db: Session, crowd: dict[str, Any]) -> None:
    out = versions.compare(db, projects.get(db, crowd["pid"]), limit=2)
    assert out["truncated"] is True and out["tasks"] == 2
    v1 = next(v for v in out["versions"] if v["model_version"] == "v1")["controls"]["sentiment"]
    # The two newest scored tasks are 5 and 6 (7 and 8 have no reference): both right.
    assert v1["consensus"]["tasks"] == 2 and v1["consensus"]["agreement"] == 1.0
    assert v1["ground_truth"]["tasks"] == 0
    assert versions.compare(db, projects.get(db, crowd["pid"]), limit=6)["truncated"] is False


def test_spans_are_scored_by_mean_f1() -> None:
    schema = labeling.parse_config(
        '<View><Text name="text" value="$text"/>'
        '<Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels></View>'
    )

    def span(start: int, end: int, label: str) -> dict[str, Any]:
        return {"from_name": "ner", "to_name": "text", "type": "labels",
                "value": {"start": start, "end": end, "labels": [label]}}  # fmt: skip

    references = {
        1: Reference(annotations=[
            {"completed_by": 1, "ground_truth": True, "human": True, "result": [span(0, 3, "PER"), span(8, 12, "ORG")]},
        ]),
        2: Reference(annotations=[{"completed_by": 2, "ground_truth": False, "human": True, "result": [span(0, 4, "ORG")]}],
                     consensus={"ner": [span(0, 4, "ORG")]}),
    }  # fmt: skip
    scores = versions.score(schema, {"m": {1: [span(0, 3, "PER")], 2: [span(0, 4, "ORG")]}}, references)
    ner = scores["m"]["ner"]
    assert ner["metric"] == "span_f1"
    assert ner["ground_truth"]["tasks"] == 1 and ner["ground_truth"]["accuracy"] == pytest.approx(2 / 3)
    # Task 1 against its human (the ground truth's author): 2/3; task 2 against the stored consensus: 1.
    assert ner["consensus"]["agreement"] == pytest.approx((2 / 3 + 1) / 2)
    assert ner["consensus"]["stored"] == 1 and ner["consensus"]["majority"] == 1
