"""A built-in connection through Label Studio's `/api/ml`: created with `"type": "builtin"`, trained in the
background on the project's annotations, and the unlabeled tasks pre-annotated by the new version."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Job, Prediction
from labelwise.ml.builtin import training
from tests.api.test_tasks_and_import import make_project
from tests.ml.test_connections import finished_run
from tests.support import texts
from tests.support.statements import counted


def _choice(value: str) -> dict[str, object]:
    return {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def _training_jobs(db: Session, pid: int) -> list[Job]:
    db.rollback()
    return list(
        db.scalars(select(Job).where(Job.project_id == pid, Job.kind == training.KIND).order_by(Job.id))
    )


def _labeled_project(client: TestClient, every: int) -> tuple[int, int, list[int]]:
    """80 annotated tasks, 40 not; a built-in connection retraining every `every`, trained once by hand."""
    pid = make_project(client)
    words, answers = texts.make(120, classes=2, seed=3, noise=0.0)
    labels = {"class0": "pos", "class1": "neg"}
    items: list[dict[str, object]] = [
        {"data": {"text": t}, "annotations": [{"result": [_choice(labels[y])]}]}
        for t, y in zip(words[:80], answers[:80], strict=True)
    ]
    items += [{"text": t} for t in words[80:]]
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=items)
    assert r.status_code == 201, r.text
    unlabeled = r.json()["task_ids"][80:]
    body = {"project": pid, "title": "built-in", "type": "builtin", "extra_params": {"retrain_every": every}}
    r = client.post("/api/ml", json=body)
    assert r.status_code == 201, r.text
    ml_id = r.json()["id"]
    r = client.post(f"/api/ml/{ml_id}/train")
    assert r.status_code in (200, 201), r.text
    assert finished_run(client, ml_id, r.json()["job"]["id"])["status"] == "completed"
    return pid, ml_id, unlabeled


def _submit(client: TestClient, task_id: int, value: str = "pos", skipped: bool = False) -> None:
    body = {"result": [] if skipped else [_choice(value)], "was_cancelled": skipped}
    r = client.post(f"/api/tasks/{task_id}/annotations", json=body)
    assert r.status_code == 201, r.text


def test_builtin_trains_and_pre_annotates_unlabeled_tasks(client: TestClient, db: Session) -> None:
    pid, _, _ = _labeled_project(client, every=20)  # trained once by hand, the job completed
    db.rollback()
    rows = db.execute(
        select(Prediction.model_version, Prediction.score).where(Prediction.project_id == pid)
    ).all()
    assert len(rows) == 40  # every unlabeled task, none of the annotated ones
    assert {v for v, _ in rows} == {"builtin-1"}
    assert all(s is not None and 0.0 <= s <= 1.0 for _, s in rows)


def test_every_n_new_annotations_retrain_in_the_background(client: TestClient, db: Session) -> None:
    pid, ml_id, unlabeled = _labeled_project(client, every=3)
    assert len(_training_jobs(db, pid)) == 1  # the one asked for by hand, at 80 annotations
    _submit(client, unlabeled[0])
    _submit(client, unlabeled[1], "neg")
    _submit(client, unlabeled[2], skipped=True)  # a skip is no new label
    assert len(_training_jobs(db, pid)) == 1
    _submit(client, unlabeled[3])  # the third new annotation
    jobs_now = _training_jobs(db, pid)
    assert len(jobs_now) == 2 and jobs_now[1].params["at"] == 83 and jobs_now[1].user_id is None
    assert finished_run(client, ml_id, jobs_now[1].id)["status"] == "completed"
    assert client.get(f"/api/ml/{ml_id}").json()["model_version"] == "builtin-2"
    db.rollback()
    versions = set(db.scalars(select(Prediction.model_version).where(Prediction.project_id == pid)))
    assert "builtin-2" in versions  # the tasks still unlabeled carry the new version's predictions


def test_retraining_every_zero_never_starts_a_job(client: TestClient, db: Session) -> None:
    pid, ml_id, unlabeled = _labeled_project(client, every=0)
    for task_id in unlabeled[:5]:
        _submit(client, task_id)
    assert len(_training_jobs(db, pid)) == 1
    r = client.patch(f"/api/ml/{ml_id}", json={"extra_params": {"retrain_every": 2}})
    assert r.status_code == 200, r.text
    _submit(client, unlabeled[5])  # 86 - 80 >= 2, and the watch was told of the change at once
    assert len(_training_jobs(db, pid)) == 2


def test_a_bad_retrain_every_puts_the_connection_in_error_naming_the_field(client: TestClient) -> None:
    """As for a remote backend that fails its health check, the connection is kept, in state ER with the
    reason shown on the models page, until it is fixed."""
    pid = make_project(client)
    body = {"project": pid, "title": "b", "type": "builtin", "extra_params": {"retrain_every": -1}}
    r = client.post("/api/ml", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "ER" and "extra_params.retrain_every" in r.json()["error_message"]
    r = client.patch(f"/api/ml/{r.json()['id']}", json={"extra_params": {"retrain_every": 5}})
    assert r.json()["state"] != "ER" or "retrain_every" not in (r.json()["error_message"] or "")


def test_a_submit_reads_the_connections_once_not_on_every_annotation(client: TestClient, app: Any) -> None:
    pid = make_project(client)
    r = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": f"t{i}"} for i in range(3)]
    )
    ids = r.json()["task_ids"]
    with counted(app.state.engine) as first:
        _submit(client, ids[0])
    with counted(app.state.engine) as later:
        _submit(client, ids[1])
        _submit(client, ids[2])
    assert any("ml_backends" in s for s in first)  # the watch read the project's connections: none
    assert not any("ml_backends" in s for s in later)


def test_a_second_builtin_classifier_in_a_project_is_refused(client: TestClient) -> None:
    """Its versions would share the first one's names, and its training would replace those predictions."""
    pid = make_project(client)
    first = client.post("/api/ml", json={"project": pid, "title": "one", "type": "builtin"})
    assert first.status_code == 201, first.text
    r = client.post("/api/ml", json={"project": pid, "title": "two", "type": "builtin"})
    assert r.status_code == 400 and "type" in r.json()["validation_errors"], r.text
    assert f"connection {first.json()['id']}" in r.text
    r = client.patch(f"/api/ml/{first.json()['id']}", json={"title": "renamed", "type": "builtin"})
    assert r.status_code == 200, r.text  # the one there is may keep its type
    other = make_project(client)
    assert client.post("/api/ml", json={"project": other, "type": "builtin"}).status_code == 201
