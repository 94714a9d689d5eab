"""A built-in connection through Label Studio's `/api/ml`: created with `"type": "builtin"`, trained in the
background on the project's annotations, and the unlabeled tasks pre-annotated by the new version."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Prediction
from tests.api.test_tasks_and_import import make_project
from tests.ml.test_connections import finished_run
from tests.support import texts


def _choice(value: str) -> dict[str, object]:
    return {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def test_builtin_trains_and_pre_annotates_unlabeled_tasks(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    words, answers = texts.make(120, classes=2, seed=3, noise=0.0)
    labels = {"class0": "pos", "class1": "neg"}
    items: list[dict[str, object]] = [
        {"data": {"text": t}, "annotations": [{"result": [_choice(labels[y])]}]}
        for t, y in zip(words[:80], answers[:80], strict=True)
    ]
    items += [{"text": t} for t in words[80:]]
    r = client.post(f"/api/projects/{pid}/import", json=items)
    assert r.status_code == 201, r.text
    r = client.post("/api/ml", json={"project": pid, "title": "built-in", "type": "builtin"})
    assert r.status_code == 201, r.text
    ml_id = r.json()["id"]
    r = client.post(f"/api/ml/{ml_id}/train")
    assert r.status_code in (200, 201), r.text
    job = finished_run(client, ml_id, r.json()["job"]["id"])
    assert job["status"] == "completed", job
    db.rollback()
    rows = db.execute(
        select(Prediction.model_version, Prediction.score).where(Prediction.project_id == pid)
    ).all()
    assert len(rows) == 40  # every unlabeled task, none of the annotated ones
    assert {v for v, _ in rows} == {"builtin-1"}
    assert all(s is not None and 0.0 <= s <= 1.0 for _, s in rows)
