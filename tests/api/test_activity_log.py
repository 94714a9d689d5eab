"""The activity log: sign-ins (and failed ones) with address and agent, the actions it records,
Label Studio's `/api/activity-logs` with its filters, admins only, and the `/activity` page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Activity
from labelwise.services import users
from tests.api.test_tasks_and_import import choice, make_project
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.people import member

AGENT = {"User-Agent": "pytest-agent/1.0"}


def _logs(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get("/api/activity-logs", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _actions(client: TestClient, **params: Any) -> list[str]:
    return [e["action"] for e in _logs(client, **params)["data"]]


def test_failed_sign_in_is_logged_with_ip_and_agent_and_no_password(anon: TestClient, db: Session) -> None:
    known = users.create(db, "known@example.com", "right-password", "annotator")
    for email in ("known@example.com", "nobody@example.com"):
        r = anon.post("/api/auth/login", json={"email": email, "password": "wrong-secret"}, headers=AGENT)
        assert r.status_code == 401
    rows = db.scalars(
        select(Activity).where(Activity.action == "user.login_failed").order_by(Activity.id)
    ).all()
    assert [(r.user_id, r.detail["email"]) for r in rows] == [
        (known.id, "known@example.com"),
        (None, "nobody@example.com"),
    ]
    for r in rows:
        assert r.ip_address == "testclient" and r.user_agent == "pytest-agent/1.0"
        assert "wrong-secret" not in str(r.detail)


def test_sign_in_and_out_are_logged(anon: TestClient, db: Session) -> None:
    user = users.create(db, "signer@example.com", "right-password", "annotator")
    r = anon.post("/api/auth/login", json={"email": user.email, "password": "right-password"}, headers=AGENT)
    assert r.status_code == 200
    csrf = r.json()["csrf_token"]
    assert anon.post("/api/auth/logout", headers={"X-CSRFToken": csrf, **AGENT}).status_code == 200
    rows = db.scalars(select(Activity).where(Activity.user_id == user.id).order_by(Activity.id)).all()
    assert [r.action for r in rows][-2:] == ["user.login", "user.logout"]
    assert all(r.ip_address == "testclient" and r.user_agent == "pytest-agent/1.0" for r in rows[-2:])


def test_the_log_records_work_settings_members_and_deletions(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": "a"}])
    (tid,) = r.json()["task_ids"]
    ann = client.post(f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]}).json()
    client.patch(f"/api/annotations/{ann['id']}", json={"result": [choice("neg")]})
    client.delete(f"/api/annotations/{ann['id']}")
    client.patch(f"/api/projects/{pid}", json={"title": "renamed"})
    someone = member(db, pid, "logged-member@example.com")
    client.delete(f"/api/projects/{pid}/members", params={"user": someone.id})
    assert client.get(f"/api/projects/{pid}/export", params={"exportType": "JSON"}).status_code == 200
    assert client.post(f"/api/projects/{pid}/exports", json={"title": "snap"}).status_code == 201
    client.delete(f"/api/tasks/{tid}")
    logged = _actions(client, project=pid, ordering="datetime")
    expected = [
        "project.created", "tasks.imported", "annotation.created", "annotation.updated", "annotation.deleted",
        "project.updated", "project.exported", "export.created", "task.deleted",
    ]  # fmt: skip
    assert [a for a in logged if a in expected] == expected
    assert any(a.startswith("member.") for a in logged) and "member.remove" in logged


def test_activity_api_filters_and_pages(client: TestClient, db: Session) -> None:
    p1, p2 = make_project(client), make_project(client)
    other = member(db, p1, "filtered@example.com")
    client.post(f"/api/projects/{p1}/import", json=[{"text": "x"}])
    everything = _logs(client, page_size=1000)
    total = everything["recordsTotal"]
    assert total == everything["recordsFiltered"] == len(everything["data"]) >= 5
    ids = [e["id"] for e in everything["data"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    first = everything["data"][0]
    assert {"datetime", "email", "user_id", "project_id", "ip_address", "user_agent", "extra_data"} <= set(
        first
    )
    assert {e["project_id"] for e in _logs(client, project=p2)["data"]} == {p2}
    mine = _logs(client, user=other.id)
    assert mine["recordsFiltered"] >= 1 and {e["user_id"] for e in mine["data"]} == {other.id}
    assert mine["recordsTotal"] == total
    assert {e["project_id"] for e in _logs(client, project_id=p2)["data"]} == {p2}
    assert set(_actions(client, action="project.created")) == {"project.created"}
    assert set(_actions(client, action="project.")) <= {"project.created", "project.updated"}
    assert _actions(client, search="filtered@example") and _logs(client, search="no-such-text")["data"] == []
    assert _logs(client, search="%")["data"] == []  # wildcards are searched as text
    assert _logs(client, start_date="2999-01-01")["recordsFiltered"] == 0
    assert _logs(client, end_date="2000-01-01")["recordsFiltered"] == 0
    assert _logs(client, start_date="2000-01-01T00:00:00Z", end_date="2999-12-31")["recordsFiltered"] == total
    page2 = _logs(client, page=2, page_size=2)
    assert [e["id"] for e in page2["data"]] == ids[2:4]
    r = client.get("/api/activity-logs", params={"start_date": "yesterday"})
    assert r.status_code == 400 and "start_date" in r.json()["validation_errors"]
    assert client.get("/api/activity-logs", params={"ordering": "nope"}).status_code == 400


def test_annotators_and_managers_get_403(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    annotator = member(db, pid, "log-annotator@example.com")
    manager = users.create(db, "log-manager@example.com", "password-123", "manager")
    for who in (annotator, manager):
        r = client.get("/api/activity-logs", headers={"Authorization": f"Token {who.token}"})
        assert r.status_code == 403
    admin = users.create(db, "log-admin@example.com", "password-123", "admin")
    assert (
        client.get("/api/activity-logs", headers={"Authorization": f"Token {admin.token}"}).status_code == 200
    )


def _page_login(client: TestClient, email: str, password: str) -> None:
    r = client.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200


def test_activity_page_escapes_hostile_strings(client: TestClient, anon: TestClient) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post("/api/projects", json={"title": hostile, "label_config": "<View></View>"})
    anon.post("/api/auth/login", json={"email": hostile, "password": "x"}, headers={"User-Agent": hostile})
    _page_login(anon, ADMIN_EMAIL, ADMIN_PASSWORD)
    r = anon.get("/activity")
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(" in r.text and "user.login_failed" in r.text
    assert 'href="/activity"' in r.text  # the admin's top menu links the page
    r = anon.get("/activity", params={"action": "user.login_failed"})
    assert "user.login_failed" in r.text and "project.created" not in r.text
    r = anon.get("/activity", params={"start_date": "not-a-date"})
    assert r.status_code == 200 and "start_date must be" in r.text


def test_activity_page_is_for_admins_only(anon: TestClient, db: Session) -> None:
    users.create(db, "page-manager@example.com", "password-123", "manager")
    _page_login(anon, "page-manager@example.com", "password-123")
    r = anon.get("/activity")
    assert r.status_code == 403 and "activity-table" not in r.text
    assert 'href="/activity"' not in anon.get("/projects").text
