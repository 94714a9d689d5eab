"""Soft delete: deleted tasks, annotations and predictions wait in the trash; an admin restores them with
their ids, data and counters; after LABELWISE_TRASH_DAYS they are purged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from labelwise.db.base import utcnow
from labelwise.db.models import Activity, Task
from labelwise.db.models.trash import Deletion, trash_annotations, trash_predictions, trash_tasks
from labelwise.services import trash, users
from tests.api.test_dm_actions import act, setup_project
from tests.api.test_tasks_and_import import choice
from tests.support.people import member
from tests.support.statements import counted

COUNTERS = (
    "task_number", "total_annotations_number", "skipped_annotations_number", "total_predictions_number",
    "num_tasks_with_annotations",
)  # fmt: skip


def _counters(client: TestClient, pid: int) -> dict[str, int]:
    p = client.get(f"/api/projects/{pid}").json()
    return {k: p[k] for k in COUNTERS}


def _tasks(client: TestClient, pid: int) -> list[dict[str, Any]]:
    """Every task with its annotations and predictions, in id order, as the API shows them."""
    tasks = client.get("/api/tasks", params={"project": pid, "page_size": 100}).json()["tasks"]
    for t in tasks:
        for key in ("annotators", "completed_at", "updated_at"):
            t.pop(key, None)
        for a in t["annotations"]:
            a.pop("updated_at", None)
    return sorted(tasks, key=lambda t: t["id"])


def _deletions(client: TestClient, pid: int) -> list[dict[str, Any]]:
    r = client.get("/api/trash", params={"project": pid})
    assert r.status_code == 200, r.text
    return list(r.json()["results"])


def _auth(user: Any) -> dict[str, str]:
    return {"Authorization": f"Token {user.token}"}


def test_deleting_a_task_keeps_it_and_restore_brings_back_ids_data_and_counters(client: TestClient) -> None:
    pid, ids = setup_project(client, 3)
    before, counters = _tasks(client, pid), _counters(client, pid)
    assert client.delete(f"/api/tasks/{ids[1]}").status_code == 204
    assert _counters(client, pid)["task_number"] == 2
    [d] = _deletions(client, pid)
    assert d["kind"] == "tasks" and d["count"] == 1 and d["state"] == "kept"
    assert d["in_trash"] == {"tasks": 1, "annotations": 2, "predictions": 1}
    r = client.post(f"/api/trash/{d['id']}/restore")
    assert r.status_code == 200, r.text
    assert r.json()["restored"] == {"tasks": 1, "annotations": 2, "predictions": 1}
    assert _tasks(client, pid) == before
    assert _counters(client, pid) == counters
    [d] = _deletions(client, pid)
    assert d["state"] == "restored" and d["restored_by"] is not None and d["in_trash"]["tasks"] == 0
    again = client.post(f"/api/trash/{d['id']}/restore")
    assert again.status_code == 409 and "deletion" in again.json()["validation_errors"]


def test_delete_all_tasks_and_the_dm_action_restore(client: TestClient) -> None:
    pid, ids = setup_project(client, 4)
    before, counters = _tasks(client, pid), _counters(client, pid)
    r = act(client, pid, "delete_tasks", {"selectedItems": {"all": False, "included": ids[:2]}})
    assert r.status_code == 200, r.text
    assert client.delete(f"/api/projects/{pid}/tasks").status_code in (200, 204)
    assert _counters(client, pid)["task_number"] == 0
    newest, oldest = _deletions(client, pid)
    assert (newest["count"], oldest["count"]) == (2, 2)
    for d in (oldest, newest):
        assert client.post(f"/api/trash/{d['id']}/restore").status_code == 200
    assert _tasks(client, pid) == before
    assert _counters(client, pid) == counters


def test_annotation_and_prediction_deletes_restore_with_counters(client: TestClient) -> None:
    pid, ids = setup_project(client, 3)
    before, counters = _tasks(client, pid), _counters(client, pid)
    client.delete(f"/api/annotations/{before[0]['annotations'][0]['id']}")
    act(client, pid, "delete_tasks_annotations", {"selectedItems": {"all": False, "included": ids[1:]}})
    act(client, pid, "delete_tasks_predictions", {"selectedItems": {"all": True, "excluded": []}})
    after = _counters(client, pid)
    assert after["total_annotations_number"] == after["total_predictions_number"] == 0
    assert after["num_tasks_with_annotations"] == 0 and after["skipped_annotations_number"] == 0
    kinds = [(d["kind"], d["count"]) for d in _deletions(client, pid)]
    assert kinds == [("predictions", 3), ("annotations", 3), ("annotations", 1)]
    for d in reversed(_deletions(client, pid)):
        assert client.post(f"/api/trash/{d['id']}/restore").status_code == 200
    assert _tasks(client, pid) == before
    assert _counters(client, pid) == counters


def test_restore_refuses_when_an_id_is_taken_or_the_task_is_gone(client: TestClient, db: Session) -> None:
    pid, ids = setup_project(client, 2)
    client.delete(f"/api/tasks/{ids[0]}")
    [d] = _deletions(client, pid)
    db.execute(insert(Task).values(id=ids[0], project_id=pid, inner_id=99, data={"text": "squatter"}))
    db.commit()
    r = client.post(f"/api/trash/{d['id']}/restore")
    assert r.status_code == 409 and "tasks" in r.json()["validation_errors"]
    assert _deletions(client, pid)[0]["state"] == "kept"  # nothing written
    # Annotations whose task was deleted after them wait for the task.
    ann = client.get(f"/api/tasks/{ids[1]}").json()["annotations"][0]["id"]
    client.delete(f"/api/annotations/{ann}")
    client.delete(f"/api/tasks/{ids[1]}")
    annotations_deletion = _deletions(client, pid)[1]
    assert annotations_deletion["kind"] == "annotations"
    r = client.post(f"/api/trash/{annotations_deletion['id']}/restore")
    assert r.status_code == 409 and "task" in r.json()["validation_errors"]


def test_purge_after_the_retention_removes_trash_rows(client: TestClient, db: Session) -> None:
    pid, ids = setup_project(client, 2)
    client.delete(f"/api/tasks/{ids[0]}")
    [d] = _deletions(client, pid)
    assert trash.purge(db, utcnow() + timedelta(days=29)) == 0
    db.commit()
    assert _deletions(client, pid)[0]["state"] == "kept"
    assert trash.purge(db, utcnow() + timedelta(days=31)) == 1
    db.commit()
    for shadow in (trash_tasks, trash_annotations, trash_predictions):
        assert db.execute(select(func.count()).select_from(shadow)).scalar_one() == 0
    assert db.get(Deletion, d["id"]) is not None
    assert _deletions(client, pid)[0]["state"] == "purged"
    r = client.post(f"/api/trash/{d['id']}/restore")
    assert r.status_code == 409


def test_deletes_are_set_based(client: TestClient, app: Any) -> None:
    """The statements a bulk delete runs do not grow with the number of tasks it deletes."""

    def run(n: int) -> int:
        pid, _ = setup_project(client, n)
        with counted(app.state.engine) as statements:
            act(client, pid, "delete_tasks", {"selectedItems": {"all": True, "excluded": []}})
        return len(statements)

    few = run(2)
    assert few >= 8  # the trash copies and the deletes themselves were seen
    assert run(12) == few


def test_deletions_and_restores_are_in_the_activity_log(client: TestClient, db: Session) -> None:
    pid, ids = setup_project(client, 2)
    client.delete(f"/api/tasks/{ids[0]}")
    [d] = _deletions(client, pid)
    client.post(f"/api/trash/{d['id']}/restore")
    rows = db.scalars(select(Activity).where(Activity.object_type == "deletion").order_by(Activity.id)).all()
    assert [(r.action, r.object_id) for r in rows] == [("task.deleted", d["id"]), ("trash.restored", d["id"])]
    assert rows[0].detail == {"tasks": 1, "annotations": 1, "predictions": 1, "deletion": d["id"]}
    assert rows[1].detail["tasks"] == 1 and rows[1].detail["annotations"] == 1


def test_only_admins_list_and_restore(client: TestClient, db: Session) -> None:
    pid, ids = setup_project(client, 2)
    client.delete(f"/api/tasks/{ids[0]}")
    [d] = _deletions(client, pid)
    manager = users.create(db, "org-manager@example.com", "password-123", "manager")
    annotator = member(db, pid, "trash-ann@example.com")
    outsider = member(db, client.post("/api/projects", json={"title": "o"}).json()["id"], "out@example.com")
    for who, status in ((manager, 403), (annotator, 403), (outsider, 404)):
        assert client.post(f"/api/trash/{d['id']}/restore", headers=_auth(who)).status_code == status
        assert client.get("/api/trash", params={"project": pid}, headers=_auth(who)).status_code == status
    assert client.get("/api/trash", headers=_auth(manager)).status_code == 403
    admin = users.create(db, "org-admin@example.com", "password-123", "admin")
    assert client.get("/api/trash", headers=_auth(admin)).json()["count"] == 1
    assert client.post(f"/api/trash/{d['id']}/restore", headers=_auth(admin)).status_code == 200
    assert client.get(f"/api/tasks/{ids[0]}").json()["data"] == {"text": "t0"}
    assert choice("pos") == client.get(f"/api/tasks/{ids[0]}").json()["annotations"][0]["result"][0]
