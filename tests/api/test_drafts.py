"""Drafts on Label Studio's paths: create, read, patch, delete; each user sees only their own; the
editor payload carries the caller's draft; submitting drops it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member


def _task(client: TestClient) -> int:
    pid = make_project(client)
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": "draft me"}])
    (tid,) = r.json()["task_ids"]
    return int(tid)


def _other(db: Session, client: TestClient, tid: int) -> dict[str, str]:
    """Another annotator of the task's project."""
    pid = client.get(f"/api/tasks/{tid}").json()["project"]
    user = member(db, pid, "other@example.com")
    return {"Authorization": f"Token {user.token}"}


def test_draft_crud(client: TestClient) -> None:
    tid = _task(client)
    r = client.post(f"/api/tasks/{tid}/drafts", json={"result": [choice("pos")], "lead_time": 2.5})
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["task"] == tid and draft["annotation"] is None and draft["lead_time"] == 2.5
    assert draft["result"] == [choice("pos")]
    assert client.get(f"/api/drafts/{draft['id']}").json()["result"] == [choice("pos")]

    r = client.patch(f"/api/drafts/{draft['id']}", json={"result": [choice("neg")], "lead_time": 4})
    assert r.status_code == 200 and r.json()["result"] == [choice("neg")] and r.json()["lead_time"] == 4
    listed = client.get(f"/api/tasks/{tid}/drafts").json()
    assert [d["id"] for d in listed] == [draft["id"]] and listed[0]["result"] == [choice("neg")]

    assert client.delete(f"/api/drafts/{draft['id']}").status_code == 204
    assert client.get(f"/api/drafts/{draft['id']}").status_code == 404
    assert client.get(f"/api/tasks/{tid}/drafts").json() == []


def test_saving_again_replaces_the_users_draft(client: TestClient) -> None:
    """Autosaves that cross on the wire must not pile up drafts: one per task and annotation."""
    tid = _task(client)
    first = client.post(f"/api/tasks/{tid}/drafts", json={"result": [choice("pos")]}).json()
    second = client.post(f"/api/tasks/{tid}/drafts", json={"result": [choice("neg")]}).json()
    assert second["id"] == first["id"]
    assert [d["result"] for d in client.get(f"/api/tasks/{tid}/drafts").json()] == [[choice("neg")]]


def test_drafts_belong_to_their_user(client: TestClient, db: Session) -> None:
    tid = _task(client)
    mine = client.post(f"/api/tasks/{tid}/drafts", json={"result": [choice("pos")]}).json()
    other = _other(db, client, tid)
    assert client.get(f"/api/tasks/{tid}/drafts", headers=other).json() == []
    assert client.get(f"/api/drafts/{mine['id']}", headers=other).status_code == 404
    assert client.patch(f"/api/drafts/{mine['id']}", json={"result": []}, headers=other).status_code == 404
    assert client.delete(f"/api/drafts/{mine['id']}", headers=other).status_code == 404
    # Untouched by the attempts, and the other user's own draft is separate.
    assert client.get(f"/api/drafts/{mine['id']}").json()["result"] == [choice("pos")]
    theirs = client.post(f"/api/tasks/{tid}/drafts", json={"result": []}, headers=other).json()
    assert theirs["id"] != mine["id"]
    assert [d["id"] for d in client.get(f"/api/tasks/{tid}/drafts").json()] == [mine["id"]]


def test_bad_drafts_are_400_naming_the_field(client: TestClient) -> None:
    tid = _task(client)
    for body, field in (
        ({"result": "nope"}, "result"),
        ({"result": [1, 2]}, "result"),
        ({"result": [], "lead_time": "long"}, "lead_time"),
        ({"result": [], "lead_time": -1}, "lead_time"),
        ({"result": [], "annotation": 999999}, "annotation"),
    ):
        r = client.post(f"/api/tasks/{tid}/drafts", json=body)
        assert r.status_code == 400, (body, r.text)
        assert field in r.json()["validation_errors"], r.json()
    assert client.get(f"/api/tasks/{tid}/drafts").json() == []  # nothing written
    assert client.post("/api/tasks/999999/drafts", json={"result": []}).status_code == 404


def test_editor_payload_carries_the_callers_draft_and_annotation(client: TestClient, db: Session) -> None:
    tid = _task(client)
    other = _other(db, client, tid)
    client.post(f"/api/tasks/{tid}/drafts", json={"result": [], "lead_time": 1}, headers=other)
    body = client.get(f"/api/tasks/{tid}/editor").json()
    assert body["drafts"] == [] and body["my_annotation"] is None
    draft = client.post(f"/api/tasks/{tid}/drafts", json={"result": [choice("pos")], "lead_time": 3}).json()
    body = client.get(f"/api/tasks/{tid}/editor").json()
    assert [(d["id"], d["result"], d["lead_time"]) for d in body["drafts"]] == [
        (draft["id"], [choice("pos")], 3)
    ]

    ann = client.post(f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]}).json()
    body = client.get(f"/api/tasks/{tid}/editor").json()
    assert body["drafts"] == []  # submitting dropped the draft
    assert body["my_annotation"] == ann["id"]
    # A draft of changes to that annotation (Label Studio's second path) is dropped by the update.
    r = client.post(f"/api/tasks/{tid}/annotations/{ann['id']}/drafts", json={"result": [choice("neg")]})
    assert r.status_code == 201 and r.json()["annotation"] == ann["id"]
    assert [d["annotation"] for d in client.get(f"/api/tasks/{tid}/editor").json()["drafts"]] == [ann["id"]]
    client.patch(f"/api/annotations/{ann['id']}", json={"result": [choice("neg")]})
    assert client.get(f"/api/tasks/{tid}/editor").json()["drafts"] == []
    # The other user's draft is theirs to keep.
    assert len(client.get(f"/api/tasks/{tid}/drafts", headers=other).json()) == 1


def test_drafts_need_a_caller(anon: TestClient, client: TestClient) -> None:
    tid = _task(client)
    assert anon.get(f"/api/tasks/{tid}/drafts").status_code == 401
    assert anon.post(f"/api/tasks/{tid}/drafts", json={"result": []}).status_code == 401
