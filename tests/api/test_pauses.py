"""Annotator pauses at Label Studio Enterprise's `/members/{user}/pauses` paths."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Activity
from tests.api.test_distribution import _auth, _project
from tests.conftest import ADMIN_EMAIL
from tests.support.people import member


def test_pause_lifecycle(client: TestClient, db: Session) -> None:
    pid, _ = _project(client, 1)
    a = member(db, pid, "a@example.com")
    base = f"/api/projects/{pid}/members/{a.id}/pauses"
    r = client.post(base, json={"reason": "ANNOTATOR_EVALUATION", "verbose_reason": "accuracy below 80%"})
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["project"] == pid and p["user"] == a.id and p["reason"] == "ANNOTATOR_EVALUATION"
    assert p["paused_by"]["email"] == ADMIN_EMAIL and p["deleted_at"] is None
    assert {"created_at", "updated_at", "verbose_reason", "deleted_by"} <= set(p)
    assert [x["id"] for x in client.get(base).json()] == [p["id"]]
    assert client.get(f"{base}/{p['id']}").json()["verbose_reason"] == "accuracy below 80%"
    r = client.patch(f"{base}/{p['id']}", json={"reason": "MANUAL", "verbose_reason": "talk to your lead"})
    assert r.status_code == 200 and (r.json()["reason"], r.json()["verbose_reason"]) == (
        "MANUAL",
        "talk to your lead",
    )
    assert client.delete(f"{base}/{p['id']}").status_code == 204
    assert client.get(base).json() == []
    kept = client.get(f"{base}?include_deleted=true").json()
    assert len(kept) == 1 and kept[0]["deleted_at"] is not None and kept[0]["deleted_by"] is not None
    assert client.delete(f"{base}/{p['id']}").status_code == 204  # resuming twice changes nothing
    actions = db.scalars(
        select(Activity.action).where(Activity.project_id == pid, Activity.action.like("member.%"))
    ).all()
    assert [x for x in actions if x != "member.add"] == [
        "member.pause",
        "member.pause_change",
        "member.resume",
    ]


def test_pause_input_is_checked(client: TestClient, db: Session) -> None:
    pid, _ = _project(client, 1)
    a, b = member(db, pid, "a@example.com"), member(db, pid, "b@example.com")
    base = f"/api/projects/{pid}/members/{a.id}/pauses"
    for body, field in (
        ({"reason": "BORED"}, "reason"),
        ({"reason": "MANUAL", "verbose_reason": 5}, "verbose_reason"),
        ({"reason": "MANUAL", "verbose_reason": "x" * 2001}, "verbose_reason"),
    ):
        r = client.post(base, json=body)
        assert r.status_code == 400 and field in r.json()["validation_errors"], (body, r.text)
    assert client.get(f"{base}?include_deleted=true").json() == []
    assert client.get(f"{base}?include_deleted=maybe").status_code == 400
    assert client.get(f"{base}?ordering=password").status_code == 400
    pid_ = client.post(base, json={}).json()["id"]  # MANUAL by default
    assert client.get(f"/api/projects/{pid}/members/{b.id}/pauses/{pid_}").status_code == 404  # not b's
    assert client.get(f"/api/projects/{pid}/members/999999/pauses").status_code == 404
    assert client.patch(f"{base}/{pid_}", json={"reason": "NOPE"}).status_code == 400


def test_only_managers_pause(client: TestClient, db: Session) -> None:
    pid, _ = _project(client, 1)
    annotator = member(db, pid, "a@example.com")
    reviewer = member(db, pid, "r@example.com", "reviewer")
    outsider = member(db, _project(client, 1)[0], "x@example.com")
    base = f"/api/projects/{pid}/members/{annotator.id}/pauses"
    pause_id = client.post(base, json={"reason": "MANUAL"}).json()["id"]
    calls = [
        ("GET", base, None),
        ("POST", base, {"reason": "MANUAL"}),
        ("GET", f"{base}/{pause_id}", None),
        ("PATCH", f"{base}/{pause_id}", {"verbose_reason": "x"}),
        ("DELETE", f"{base}/{pause_id}", None),
    ]
    for who, status in ((annotator, 403), (reviewer, 403), (outsider, 404)):
        for method, url, payload in calls:
            r = client.request(method, url, json=payload, headers=_auth(who))
            assert r.status_code == status, (who.email, method, url, r.text)
    assert len(client.get(base).json()) == 1  # still paused, unchanged
