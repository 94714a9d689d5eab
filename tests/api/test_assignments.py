"""Manual assignment at Label Studio Enterprise's paths: bulk, per task, checks, audit, permissions."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Activity, TaskAssignment
from tests.api.test_distribution import _auth, _project
from tests.support.people import member


def _bulk(client: TestClient, pid: int, body: dict[str, Any], **kw: Any) -> Any:
    return client.post(f"/api/projects/{pid}/tasks/assignees", json=body, **kw)


def _rows(db: Session, pid: int) -> set[tuple[int, int, str]]:
    db.rollback()  # a fresh snapshot: the server wrote in its own sessions
    q = select(TaskAssignment.task_id, TaskAssignment.user_id, TaskAssignment.type).where(
        TaskAssignment.project_id == pid
    )
    return {(t, u, k) for t, u, k in db.execute(q)}


def test_bulk_assign_selected_all_and_filtered(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 5)
    a, b = member(db, pid, "a@example.com"), member(db, pid, "b@example.com")
    body = {"type": "AN", "users": [a.id, b.id], "selectedItems": {"all": False, "included": ids[:2]}}
    r = _bulk(client, pid, body)
    assert r.status_code == 200 and r.json()["assignments"] == 4
    assert _bulk(client, pid, body).json()["assignments"] == 0  # duplicates are left out
    r = _bulk(
        client, pid, {"type": "AN", "users": [a.id], "selectedItems": {"all": True, "excluded": [ids[4]]}}
    )
    assert r.json()["assignments"] == 2  # ids[2], ids[3]; ids[0..1] had a already
    flt = {
        "conjunction": "and",
        "items": [{"filter": "filter:tasks:id", "operator": "equal", "type": "Number", "value": ids[4]}],
    }
    r = _bulk(client, pid, {"type": "AN", "users": [b.id], "filters": flt, "selectedItems": {"all": True}})
    assert r.json()["assignments"] == 1
    assert _rows(db, pid) == {(t, a.id, "AN") for t in ids[:4]} | {
        (t, b.id, "AN") for t in (*ids[:2], ids[4])
    }
    log = db.scalars(select(Activity).where(Activity.action == "task.assign").order_by(Activity.id)).all()
    assert [row.detail["count"] for row in log] == [4, 0, 2, 1]


def test_bulk_assign_checks_roles_types_and_selection(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 2)
    annotator, reviewer = member(db, pid, "a@example.com"), member(db, pid, "r@example.com", "reviewer")
    outsider = member(db, make_other(client), "x@example.com")
    sel = {"all": False, "included": ids}
    for body, field in (
        ({"type": "RE", "users": [annotator.id], "selectedItems": sel}, "users"),  # reviewers review
        ({"type": "AN", "users": [outsider.id], "selectedItems": sel}, "users"),  # not a member here
        ({"type": "AN", "users": [99999], "selectedItems": sel}, "users"),
        ({"type": "AN", "users": [], "selectedItems": sel}, "users"),
        ({"type": "AN", "users": ["1"], "selectedItems": sel}, "users"),
        ({"type": "XX", "users": [annotator.id], "selectedItems": sel}, "type"),
        ({"type": "AN", "users": [annotator.id]}, "selectedItems"),
        ({"type": "AN", "users": [annotator.id], "selectedItems": {"all": "no"}}, "selectedItems"),
        (
            {
                "type": "AN",
                "users": [annotator.id],
                "selectedItems": sel,
                "filters": {"items": [{"filter": "filter:tasks:secret"}]},
            },
            "filters",
        ),
    ):
        r = _bulk(client, pid, body)
        assert r.status_code == 400 and field in r.json()["validation_errors"], (body, r.text)
    r = _bulk(client, pid, {"type": "RE", "users": [annotator.id, outsider.id], "selectedItems": sel})
    assert set(r.json()["validation_errors"]["users"]) == {str(annotator.id), str(outsider.id)}  # each named
    assert _rows(db, pid) == set()  # nothing written by any refused request
    r = _bulk(client, pid, {"type": "RE", "users": [reviewer.id], "selectedItems": sel})
    assert r.status_code == 200 and r.json()["assignments"] == 2


def make_other(client: TestClient) -> int:
    return _project(client, 1)[0]


def test_per_task_assignees_list_add_replace_remove(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 2)
    a, b, r_ = (member(db, pid, f"{n}@example.com") for n in "abc")
    url = f"/api/projects/{pid}/tasks/{ids[0]}/assignees"
    r = client.post(url, json={"type": "AN", "users": [a.id, b.id]})
    assert r.status_code == 201, r.text
    one = r.json()
    assert {"id", "task", "assignee", "type", "created_at"} <= set(one) and one["task"] == ids[0]
    assert {x["assignee"] for x in one["assignments"]} == {a.id, b.id}
    listed = client.get(url).json()
    assert [(x["assignee"], x["type"]) for x in listed] == [(a.id, "AN"), (b.id, "AN")]
    r = client.patch(url, json={"type": "AN", "users": [b.id, r_.id]})
    assert r.status_code == 200 and {x["assignee"] for x in r.json()["assignments"]} == {b.id, r_.id}
    assert _rows(db, pid) == {(ids[0], b.id, "AN"), (ids[0], r_.id, "AN")}
    assert client.delete(f"{url}?type=AN&users={b.id}").status_code == 204
    assert _rows(db, pid) == {(ids[0], r_.id, "AN")}
    assert client.delete(url).status_code == 204
    assert _rows(db, pid) == set()
    assert client.delete(f"{url}?type=ZZ").status_code == 400
    assert client.delete(f"{url}?users=1;2").status_code == 400
    actions = db.scalars(select(Activity.action).where(Activity.project_id == pid)).all()
    assert actions.count("task.unassign") == 3  # the PATCH's removal and the two deletes


def test_task_of_another_project_is_404(client: TestClient, db: Session) -> None:
    pid, _ = _project(client, 1)
    _, (foreign,) = _project(client, 1)
    a = member(db, pid, "a@example.com")
    url = f"/api/projects/{pid}/tasks/{foreign}/assignees"
    assert client.get(url).status_code == 404
    assert client.post(url, json={"type": "AN", "users": [a.id]}).status_code == 404
    assert client.get(f"/api/projects/{pid}/tasks/999999/assignees").status_code == 404


def test_bulk_unassign(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 3)
    a, b = member(db, pid, "a@example.com"), member(db, pid, "b@example.com")
    _bulk(client, pid, {"type": "AN", "users": [a.id, b.id], "selectedItems": {"all": True}})
    body = {"type": "AN", "users": [a.id], "selectedItems": {"all": False, "included": ids[:2]}}
    r = client.request("DELETE", f"/api/projects/{pid}/tasks/assignees", json=body)
    assert r.status_code == 200 and r.json()["unassigned"] == 2
    r = client.request(
        "DELETE", f"/api/projects/{pid}/tasks/assignees", json={"type": "AN", "selectedItems": {"all": True}}
    )
    assert r.json()["unassigned"] == 4
    assert _rows(db, pid) == set()


def test_only_managers_assign(client: TestClient, db: Session) -> None:
    """Annotators and reviewers of the project get 403 on every assignment endpoint; outsiders 404."""
    pid, (tid,) = _project(client, 1)
    annotator = member(db, pid, "a@example.com")
    reviewer = member(db, pid, "r@example.com", "reviewer")
    outsider = member(db, make_other(client), "x@example.com")
    body = {"type": "AN", "users": [annotator.id], "selectedItems": {"all": True}}
    calls = [
        ("POST", f"/api/projects/{pid}/tasks/assignees", body),
        ("DELETE", f"/api/projects/{pid}/tasks/assignees", body),
        ("GET", f"/api/projects/{pid}/tasks/{tid}/assignees", None),
        ("POST", f"/api/projects/{pid}/tasks/{tid}/assignees", {"type": "AN", "users": [annotator.id]}),
        ("PATCH", f"/api/projects/{pid}/tasks/{tid}/assignees", {"type": "AN", "users": [annotator.id]}),
        ("DELETE", f"/api/projects/{pid}/tasks/{tid}/assignees", None),
    ]
    for who, status in ((annotator, 403), (reviewer, 403), (outsider, 404)):
        for method, url, payload in calls:
            r = client.request(method, url, json=payload, headers=_auth(who))
            assert r.status_code == status, (who.email, method, url, r.text)
    assert _rows(db, pid) == set()


def test_data_manager_assignees_column_and_filter(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 3)
    a, b = member(db, pid, "a@example.com"), member(db, pid, "b@example.com")
    _bulk(client, pid, {"type": "AN", "users": [a.id], "selectedItems": {"all": False, "included": ids[:2]}})
    _bulk(client, pid, {"type": "AN", "users": [b.id], "selectedItems": {"all": False, "included": [ids[1]]}})
    _bulk(client, pid, {"type": "RE", "users": [a.id], "selectedItems": {"all": False, "included": [ids[2]]}})
    page = client.get("/api/tasks", params={"project": pid}).json()["tasks"]
    assert {t["id"]: t["assignees"] for t in page} == {ids[0]: [a.id], ids[1]: [a.id, b.id], ids[2]: []}

    def only(operator: str, value: Any) -> Any:
        item = {"filter": "filter:tasks:assignees", "operator": operator, "type": "List", "value": value}
        query = orjson.dumps({"filters": {"conjunction": "and", "items": [item]}}).decode()
        return client.get("/api/tasks", params={"project": pid, "query": query})

    assert [t["id"] for t in only("contains", a.id).json()["tasks"]] == ids[:2]  # review work is not AN
    assert [t["id"] for t in only("not_contains", a.id).json()["tasks"]] == [ids[2]]
    assert [t["id"] for t in only("equal", [b.id]).json()["tasks"]] == [ids[1]]
    for bad in ("someone", True, [], None):
        r = only("contains", bad)
        assert r.status_code == 400 and "query" in r.json()["validation_errors"], bad
    assert only("greater", a.id).status_code == 400
