"""Annotations and predictions: validation, counters, history, the next-task queue."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member


def _tasks(client: TestClient, pid: int, n: int) -> list[int]:
    r = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": f"t{i}"} for i in range(n)]
    )
    return list(r.json()["task_ids"])


def test_annotation_crud_updates_counters_and_history(client: TestClient) -> None:
    pid = make_project(client)
    (tid,) = _tasks(client, pid, 1)
    r = client.post(f"/api/tasks/{tid}/annotations/", json={"result": [choice("pos")], "lead_time": 2.5})
    assert r.status_code == 201, r.text
    ann = r.json()
    assert ann["task"] == tid and ann["lead_time"] == 2.5 and ann["completed_by"] is not None
    task = client.get(f"/api/tasks/{tid}").json()
    assert task["total_annotations"] == 1 and task["is_labeled"] is True
    r = client.patch(f"/api/annotations/{ann['id']}", json={"result": [choice("neg")]})
    assert r.status_code == 200 and r.json()["result"] == [choice("neg")]
    history = client.get("/api/annotation-history", params={"annotation": ann["id"]}).json()
    assert [h["action"] for h in history] == ["submitted", "updated"]  # Label Studio's action names
    assert history[0]["result"] == [choice("pos")] and history[1]["result"] == [choice("neg")]
    assert client.delete(f"/api/annotations/{ann['id']}").status_code == 204
    p = client.get(f"/api/projects/{pid}").json()
    assert p["total_annotations_number"] == 0 and p["num_tasks_with_annotations"] == 0
    history = client.get("/api/annotation-history", params={"annotation": ann["id"]}).json()
    assert [h["action"] for h in history] == ["submitted", "updated", "deleted"]  # rows outlive it


def test_bad_result_is_400_naming_region_and_field(client: TestClient) -> None:
    pid = make_project(client)
    (tid,) = _tasks(client, pid, 1)
    r = client.post(f"/api/tasks/{tid}/annotations/", json={"result": [choice("pos"), choice("maybe")]})
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert "maybe" in detail and "1" in detail
    bad_name = {"from_name": "ghost", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}
    r = client.post(f"/api/tasks/{tid}/annotations/", json={"result": [bad_name]})
    assert r.status_code == 400 and "ghost" in r.json()["detail"]
    assert client.get(f"/api/tasks/{tid}").json()["total_annotations"] == 0


def test_skip_counts_as_cancelled(client: TestClient) -> None:
    pid = make_project(client)
    (tid,) = _tasks(client, pid, 1)
    r = client.post(f"/api/tasks/{tid}/annotations/", json={"result": [], "was_cancelled": True})
    assert r.status_code == 201
    task = client.get(f"/api/tasks/{tid}").json()
    assert task["cancelled_annotations"] == 1 and task["total_annotations"] == 0 and not task["is_labeled"]
    assert client.get(f"/api/projects/{pid}").json()["skipped_annotations_number"] == 1


def test_unknown_task_is_404(client: TestClient) -> None:
    assert client.post("/api/tasks/424242/annotations/", json={"result": []}).status_code == 404
    assert client.get("/api/annotations/424242").status_code == 404


def test_predictions_crud(client: TestClient) -> None:
    pid = make_project(client)
    (tid,) = _tasks(client, pid, 1)
    r = client.post(
        "/api/predictions/",
        json={"task": tid, "result": [choice("pos")], "score": 0.7, "model_version": "v1"},
    )
    assert r.status_code == 201, r.text
    pred = r.json()
    assert client.get(f"/api/predictions/{pred['id']}").json()["model_version"] == "v1"
    assert [p["id"] for p in client.get("/api/predictions", params={"task": tid}).json()] == [pred["id"]]
    assert client.patch(f"/api/predictions/{pred['id']}", json={"score": 0.1}).json()["score"] == 0.1
    assert client.post("/api/predictions/", json={"task": tid, "result": [choice("zzz")]}).status_code == 400
    assert client.get(f"/api/tasks/{tid}").json()["total_predictions"] == 1
    assert client.delete(f"/api/predictions/{pred['id']}").status_code == 204
    assert client.get(f"/api/projects/{pid}").json()["total_predictions_number"] == 0


def test_next_task_respects_overlap_and_own_annotations(client: TestClient) -> None:
    pid = make_project(client)
    ids = _tasks(client, pid, 3)
    first = client.get(f"/api/projects/{pid}/next").json()
    assert first["id"] == ids[0]
    assert client.get(f"/api/projects/{pid}/next").json()["id"] == ids[0]  # same lease on a repeat ask
    client.post(f"/api/tasks/{ids[0]}/annotations/", json={"result": [choice("pos")]})
    assert client.get(f"/api/projects/{pid}/next").json()["id"] == ids[1]
    client.post(f"/api/tasks/{ids[1]}/annotations/", json={"result": [], "was_cancelled": True})
    assert client.get(f"/api/projects/{pid}/next").json()["id"] == ids[2]
    client.post(f"/api/tasks/{ids[2]}/annotations/", json={"result": [choice("neg")]})
    assert client.get(f"/api/projects/{pid}/next").status_code == 404


def _annotator(db: Session, name: str, pid: int) -> dict[str, str]:
    user = member(db, pid, f"{name}@example.com")
    return {"Authorization": f"Token {user.token}"}


def test_next_never_hands_one_overlap_task_to_two_people(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    ids = _tasks(client, pid, 2)
    a, b, c = (_annotator(db, n, pid) for n in ("a", "b", "c"))
    first = client.get(f"/api/projects/{pid}/next", headers=a).json()["id"]
    second = client.get(f"/api/projects/{pid}/next", headers=b).json()["id"]
    assert {first, second} == set(ids)
    assert client.get(f"/api/projects/{pid}/next", headers=c).status_code == 404  # both leased


def test_next_hands_a_task_to_as_many_people_as_the_overlap(client: TestClient, db: Session) -> None:
    pid = make_project(client, maximum_annotations=2)
    ids = _tasks(client, pid, 2)
    a, b, c = (_annotator(db, n, pid) for n in ("a", "b", "c"))
    assert client.get(f"/api/projects/{pid}/next", headers=a).json()["id"] == ids[0]
    assert client.get(f"/api/projects/{pid}/next", headers=b).json()["id"] == ids[0]
    assert client.get(f"/api/projects/{pid}/next", headers=c).json()["id"] == ids[1]
    client.post(f"/api/tasks/{ids[0]}/annotations/", json={"result": [choice("pos")]}, headers=a)
    client.post(f"/api/tasks/{ids[0]}/annotations/", json={"result": [choice("neg")]}, headers=b)
    task = client.get(f"/api/tasks/{ids[0]}").json()
    assert task["is_labeled"] and task["total_annotations"] == 2
    assert client.get(f"/api/projects/{pid}/next", headers=a).json()["id"] == ids[1]


def _trail(db: Session, tid: int) -> dict[str, object]:
    """What a submit leaves in the tables beside its annotation (read straight from the database)."""
    from sqlalchemy import select

    from labelwise.db.models import Activity, AnnotationHistory, Draft, Task, TaskLock

    db.rollback()  # a fresh snapshot: SQLite's would still be the one of the last read
    task = db.get(Task, tid)
    assert task is not None
    return {
        "history": [
            (h.action, h.result, h.was_cancelled)
            for h in db.scalars(select(AnnotationHistory).where(AnnotationHistory.task_id == tid))
        ],
        "leases": db.scalars(select(TaskLock.user_id).where(TaskLock.task_id == tid)).all(),
        "drafts": db.scalars(select(Draft.id).where(Draft.task_id == tid)).all(),
        "activity": [
            (a.action, a.object_id, a.detail)
            for a in db.scalars(
                select(Activity).where(
                    Activity.action == "annotation.created", Activity.project_id == task.project_id
                )
            )
        ],
        "counts": (task.total_annotations, task.cancelled_annotations, task.is_labeled),
    }


def test_a_submit_writes_its_history_counters_lease_draft_and_activity_together(
    client: TestClient, db: Session
) -> None:
    # On PostgreSQL these writes are one statement (services/submit_write.py), on SQLite one at a time.
    pid = make_project(client)
    first, second = _tasks(client, pid, 2)
    assert client.get(f"/api/projects/{pid}/next").json()["id"] == first  # leased to the caller
    assert client.post(f"/api/tasks/{first}/drafts", json={"result": [choice("neg")]}).status_code == 201
    before = _trail(db, first)
    assert before["leases"] and before["drafts"] and before["history"] == []
    ann = client.post(f"/api/tasks/{first}/annotations", json={"result": [choice("pos")]}).json()
    assert _trail(db, first) == {
        "history": [("submitted", [choice("pos")], False)],
        "leases": [],
        "drafts": [],
        "activity": [("annotation.created", ann["id"], {"task": first})],
        "counts": (1, 0, True),
    }
    skip = client.post(f"/api/tasks/{second}/annotations", json={"result": [], "was_cancelled": True}).json()
    after = _trail(db, second)
    assert after["history"] == [("skipped", [], True)] and after["counts"] == (0, 1, False)
    assert ("annotation.created", skip["id"], {"task": second}) in after["activity"]
    project = client.get(f"/api/projects/{pid}").json()
    assert project["total_annotations_number"] == 1 and project["skipped_annotations_number"] == 1
    assert project["num_tasks_with_annotations"] == 1
