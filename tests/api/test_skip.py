"""Skipping with a reason: stored with the skip, returned in the annotation JSON, validated."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member


def _tasks(client: TestClient, n: int) -> tuple[int, list[int]]:
    pid = make_project(client)
    r = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": f"t{i}"} for i in range(n)]
    )
    return pid, list(r.json()["task_ids"])


def test_skip_reason_is_stored_and_returned(client: TestClient) -> None:
    pid, (tid,) = _tasks(client, 1)
    body = {"result": [], "was_cancelled": True, "skip_reason": "  unreadable scan  ", "lead_time": 1.5}
    r = client.post(f"/api/tasks/{tid}/annotations", json=body)
    assert r.status_code == 201, r.text
    ann = r.json()
    assert ann["was_cancelled"] is True and ann["skip_reason"] == "unreadable scan"
    assert client.get(f"/api/annotations/{ann['id']}").json()["skip_reason"] == "unreadable scan"
    assert client.get(f"/api/tasks/{tid}/annotations").json()[0]["skip_reason"] == "unreadable scan"
    assert client.get(f"/api/projects/{pid}").json()["skipped_annotations_number"] == 1


def test_skip_without_reason_and_submit_have_none(client: TestClient) -> None:
    _, (a, b) = _tasks(client, 2)
    skipped = client.post(f"/api/tasks/{a}/annotations", json={"result": [], "was_cancelled": True}).json()
    assert skipped["skip_reason"] is None
    done = client.post(f"/api/tasks/{b}/annotations", json={"result": [choice("pos")]}).json()
    assert done["skip_reason"] is None


def test_skip_reason_is_validated(client: TestClient) -> None:
    _, (tid,) = _tasks(client, 1)
    for body in (
        {"result": [], "was_cancelled": True, "skip_reason": "x" * 501},
        {"result": [], "was_cancelled": True, "skip_reason": 7},
        {"result": [choice("pos")], "skip_reason": "not a skip"},
    ):
        r = client.post(f"/api/tasks/{tid}/annotations", json=body)
        assert r.status_code == 400, (body, r.text)
        assert "skip_reason" in r.json()["validation_errors"]
    assert client.get(f"/api/tasks/{tid}/annotations").json() == []  # nothing written
    ok = client.post(
        f"/api/tasks/{tid}/annotations", json={"result": [], "was_cancelled": True, "skip_reason": "y" * 500}
    )
    assert ok.status_code == 201 and len(ok.json()["skip_reason"]) == 500


def test_update_sets_and_clears_the_reason(client: TestClient) -> None:
    _, (tid,) = _tasks(client, 1)
    ann = client.post(f"/api/tasks/{tid}/annotations", json={"result": [], "was_cancelled": True}).json()
    r = client.patch(f"/api/annotations/{ann['id']}", json={"skip_reason": "duplicate"})
    assert r.status_code == 200 and r.json()["skip_reason"] == "duplicate"
    assert client.patch(f"/api/annotations/{ann['id']}", json={"skip_reason": "z" * 501}).status_code == 400
    assert client.get(f"/api/annotations/{ann['id']}").json()["skip_reason"] == "duplicate"
    # Labeling the task after all un-skips it and drops the reason.
    r = client.patch(
        f"/api/annotations/{ann['id']}", json={"result": [choice("pos")], "was_cancelled": False}
    )
    assert r.status_code == 200 and r.json()["was_cancelled"] is False and r.json()["skip_reason"] is None


def test_next_with_exclude_prefetches_a_second_task(client: TestClient, db: Session) -> None:
    """The labeling screen prefetches: `next?exclude=<on screen>` leases the following task and keeps
    the first one's lease; asking again hands back the held tasks, not new ones."""
    pid, ids = _tasks(client, 3)
    first = client.get(f"/api/projects/{pid}/next").json()["id"]
    second = client.get(f"/api/projects/{pid}/next?exclude={first}").json()["id"]
    assert (first, second) == (ids[0], ids[1])
    assert client.get(f"/api/projects/{pid}/next").json()["id"] == first  # still held
    assert client.get(f"/api/projects/{pid}/next?exclude={first}").json()["id"] == second  # reused
    # Both are leased: another annotator gets the third task only.
    user = member(db, pid, "b@example.com")
    other = {"Authorization": f"Token {user.token}"}
    assert client.get(f"/api/projects/{pid}/next", headers=other).json()["id"] == ids[2]
    client.post(f"/api/tasks/{first}/annotations", json={"result": [choice("pos")]})
    assert client.get(f"/api/projects/{pid}/next").json()["id"] == second
    for bad in ("x", "1,,2", ",".join(["1"] * 51), "-3"):
        r = client.get(f"/api/projects/{pid}/next?exclude={bad}")
        assert r.status_code == 400 and "exclude" in r.json()["validation_errors"], bad
