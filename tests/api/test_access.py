"""What annotators see inside their project: the tasks handed to them, and, in blind projects, only
their own annotations; and the members API that decides who is in a project at all."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Activity
from labelwise.services import users
from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member


def _auth(user: object) -> dict[str, str]:
    return {"Authorization": f"Token {user.token}"}  # type: ignore[attr-defined]


def _import(client: TestClient, pid: int, n: int) -> list[int]:
    r = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": f"t{i}"} for i in range(n)]
    )
    return list(r.json()["task_ids"])


def test_an_annotator_sees_the_tasks_handed_to_them_and_no_other(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    first, second = _import(client, pid, 2)
    ann = _auth(member(db, pid, "a@example.com"))
    for path in (f"/api/tasks/{first}", f"/api/tasks/{first}/editor", f"/api/tasks/{first}/annotations"):
        assert client.get(path, headers=ann).status_code == 404, path
    assert client.get(f"/api/projects/{pid}/next", headers=ann).json()["id"] == first
    for path in (f"/api/tasks/{first}", f"/api/tasks/{first}/editor", f"/api/tasks/{first}/annotations"):
        assert client.get(path, headers=ann).status_code == 200, path
    assert client.get(f"/api/tasks/{second}", headers=ann).status_code == 404
    # Once labeled, it stays theirs to reopen (the labeling screen's history).
    assert (
        client.post(
            f"/api/tasks/{first}/annotations", json={"result": [choice("pos")]}, headers=ann
        ).status_code
        == 201
    )
    assert client.get(f"/api/tasks/{first}/editor", headers=ann).status_code == 200


def test_blind_projects_hide_other_annotators_results(client: TestClient, db: Session) -> None:
    pid = make_project(client, maximum_annotations=2)  # overlap above 1: blind by default
    (tid,) = _import(client, pid, 1)
    a, b = (member(db, pid, f"{n}@example.com") for n in ("a", "b"))
    reviewer = member(db, pid, "r@example.com", "reviewer")
    for person, label in ((a, "pos"), (b, "neg")):
        assert client.get(f"/api/projects/{pid}/next", headers=_auth(person)).json()["id"] == tid
        r = client.post(
            f"/api/tasks/{tid}/annotations", json={"result": [choice(label)]}, headers=_auth(person)
        )
        assert r.status_code == 201
    theirs = client.get(f"/api/tasks/{tid}/annotations", headers=_auth(b)).json()
    mine = client.get(f"/api/tasks/{tid}/annotations", headers=_auth(a)).json()
    assert [x["completed_by"] for x in mine] == [a.id]
    assert [x["completed_by"] for x in theirs] == [b.id]
    task = client.get(f"/api/tasks/{tid}", headers=_auth(a)).json()
    assert [x["completed_by"] for x in task["annotations"]] == [a.id]
    editor = client.get(f"/api/tasks/{tid}/editor", headers=_auth(a)).json()
    assert [x["completed_by"] for x in editor["task"]["annotations"]] == [a.id]
    assert client.get(f"/api/annotations/{theirs[0]['id']}", headers=_auth(a)).status_code == 404
    # Reviewers see everyone's; a project that turns blind mode off shows annotators everyone's too.
    assert len(client.get(f"/api/tasks/{tid}/annotations", headers=_auth(reviewer)).json()) == 2
    assert client.get(f"/api/projects/{pid}").json()["blind"] is True
    r = client.patch(f"/api/projects/{pid}", json={"blind": False})
    assert r.status_code == 200 and r.json()["blind"] is False
    assert len(client.get(f"/api/tasks/{tid}/annotations", headers=_auth(a)).json()) == 2
    assert client.patch(f"/api/projects/{pid}", json={"blind": "no"}).status_code == 400


def test_annotators_cannot_change_or_delete_someone_elses_annotation(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    (tid,) = _import(client, pid, 1)
    aid = client.post(f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]}).json()["id"]
    ann = _auth(member(db, pid, "a@example.com"))
    assert client.patch(f"/api/annotations/{aid}", json={"result": []}, headers=ann).status_code == 403
    assert client.delete(f"/api/annotations/{aid}", headers=ann).status_code == 403
    assert client.get(f"/api/annotations/{aid}").json()["result"] == [choice("pos")]


def test_members_are_added_changed_listed_and_removed(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    user = users.create(db, "m@example.com", "password-123", "annotator")
    headers = _auth(user)
    assert client.get(f"/api/projects/{pid}", headers=headers).status_code == 404
    r = client.post(f"/api/projects/{pid}/members/", json={"user": user.id})
    assert r.status_code == 201 and r.json()["role"] == "annotator" and r.json()["user"] == user.id
    assert client.get(f"/api/projects/{pid}", headers=headers).status_code == 200
    assert client.get(f"/api/projects/{pid}/members", headers=headers).status_code == 403  # annotators
    r = client.post(f"/api/projects/{pid}/members", json={"user": user.id, "role": "reviewer"})
    assert r.status_code == 201 and r.json()["role"] == "reviewer"
    listed = client.get(f"/api/projects/{pid}/members", headers=headers).json()  # reviewers may list
    assert [(m["user"]["id"], m["role"]) for m in listed] == [(user.id, "reviewer")]
    assert "token" not in listed[0]["user"]
    assert client.delete(f"/api/projects/{pid}/members/", params={"user": user.id}).status_code == 204
    assert client.get(f"/api/projects/{pid}", headers=headers).status_code == 404
    assert client.delete(f"/api/projects/{pid}/members", params={"user": user.id}).status_code == 404
    actions = list(
        db.scalars(
            select(Activity.action).where(Activity.project_id == pid, Activity.action.like("member.%"))
        )
    )
    assert actions == ["member.add", "member.role", "member.remove"]


def test_bad_member_requests_say_what_is_wrong(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    user = users.create(db, "m@example.com", "password-123", "annotator")
    for body, field in (
        ({}, "user"),
        ({"user": "1"}, "user"),
        ({"user": 999999}, "user"),
        ({"user": user.id, "role": "owner"}, "role"),
        ({"user": user.id, "role": 3}, "role"),
    ):
        r = client.post(f"/api/projects/{pid}/members", json=body)
        assert r.status_code == 400 and field in r.json()["validation_errors"], (body, r.text)
    for params in ({}, {"user": "x"}, {"user": "-1"}):
        r = client.delete(f"/api/projects/{pid}/members", params=params)
        assert r.status_code == 400 and "user" in r.json()["validation_errors"], params
    assert client.get(f"/api/projects/{pid}/members").json() == []


def test_a_manager_cannot_make_someone_more_than_a_manager_and_members_cannot_add(
    client: TestClient, db: Session
) -> None:
    pid = make_project(client)
    manager = users.create(db, "boss@example.com", "password-123", "manager")
    reviewer = member(db, pid, "r@example.com", "reviewer")
    target = users.create(db, "t@example.com", "password-123", "annotator")
    r = client.post(
        f"/api/projects/{pid}/members", json={"user": target.id, "role": "manager"}, headers=_auth(manager)
    )
    assert r.status_code == 201
    r = client.post(f"/api/projects/{pid}/members", json={"user": target.id}, headers=_auth(reviewer))
    assert r.status_code == 403
    r = client.delete(f"/api/projects/{pid}/members", params={"user": target.id}, headers=_auth(reviewer))
    assert r.status_code == 403


def _signed_in(browser: TestClient, email: str, password: str = "password-123") -> TestClient:
    browser.cookies.clear()
    r = browser.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return browser


def test_the_members_page_lists_people_escaped_and_shows_controls_to_managers_only(
    client: TestClient, anon: TestClient, db: Session
) -> None:
    pid = make_project(client)
    hostile = member(db, pid, "x@example.com", "reviewer")
    r = client.patch(f"/api/users/{hostile.id}", json={"first_name": "<script>alert(1)</script>"})
    assert r.status_code == 200
    member(db, pid, "a@example.com")
    page = _signed_in(anon, "owner@example.com", "owner-password").get(f"/projects/{pid}/members")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert 'id="add-member"' in page.text
    as_reviewer = _signed_in(anon, "x@example.com").get(f"/projects/{pid}/members")
    assert as_reviewer.status_code == 200 and 'id="add-member"' not in as_reviewer.text
    assert "x@example.com" in as_reviewer.text and "a@example.com" in as_reviewer.text
    assert _signed_in(anon, "a@example.com").get(f"/projects/{pid}/members").status_code == 403
