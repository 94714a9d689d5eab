"""Annotation history: a row per change (submit, skip, update, delete), reading it, restoring from it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member


def _task(client: TestClient, pid: int, text: str = "t") -> int:
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": text}])
    return int(r.json()["task_ids"][0])


def _auth(user: Any) -> dict[str, str]:
    return {"Authorization": f"Token {user.token}"}


def _history(client: TestClient, ann_id: int, **headers: str) -> Any:
    return client.get("/api/annotation-history", params={"annotation": ann_id}, headers=headers or None)


def test_submit_update_delete_each_write_a_row_with_who_and_result(client: TestClient) -> None:
    pid = make_project(client)
    tid = _task(client, pid)
    ann = client.post(
        f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")], "lead_time": 3}
    ).json()
    client.patch(f"/api/annotations/{ann['id']}", json={"result": [choice("neg")]})
    assert client.delete(f"/api/annotations/{ann['id']}").status_code == 204
    rows = _history(client, ann["id"]).json()  # the annotation is gone; its history stays readable
    assert [r["action"] for r in rows] == ["submitted", "updated", "deleted"]
    assert [r["result"] for r in rows] == [[choice("pos")], [choice("neg")], [choice("neg")]]
    owner = client.get("/api/current-user/whoami").json()["id"]
    for r in rows:
        assert r["created_by"] == owner and r["created_at"] and r["annotation_id"] == ann["id"]
        assert r["task_id"] == r["task"] == tid and r["project_id"] == pid
        assert r["comment"] is None and r["review_id"] is None and r["organization_id"] is None
    assert rows[0]["lead_time"] == 3
    newest = client.get("/api/annotation-history", params={"annotation": ann["id"], "ordering": "-id"}).json()
    assert [r["id"] for r in newest] == [r["id"] for r in reversed(rows)]
    one = client.get(f"/api/annotation-history/{rows[1]['id']}").json()
    assert one["result"] == [choice("neg")] and one["action"] == "updated"


def test_skip_writes_a_skipped_row(client: TestClient) -> None:
    pid = make_project(client)
    tid = _task(client, pid)
    ann = client.post(f"/api/tasks/{tid}/annotations", json={"result": [], "was_cancelled": True}).json()
    rows = _history(client, ann["id"]).json()
    assert [(r["action"], r["was_cancelled"]) for r in rows] == [("skipped", True)]


def test_bulk_annotation_delete_writes_a_row_per_annotation(client: TestClient) -> None:
    pid = make_project(client)
    tids = [_task(client, pid, f"t{i}") for i in range(3)]
    anns = [client.post(f"/api/tasks/{t}/annotations", json={"result": [choice("pos")]}).json() for t in tids]
    body = {"project": pid, "selectedItems": {"all": True, "excluded": []}}
    r = client.post("/api/dm/actions", params={"id": "delete_tasks_annotations", "project": pid}, json=body)
    assert r.status_code == 200, r.text
    for a in anns:
        assert [h["action"] for h in _history(client, a["id"]).json()] == ["submitted", "deleted"]


def test_restore_an_entry_round_trip(client: TestClient) -> None:
    pid = make_project(client)
    tid = _task(client, pid)
    ann = client.post(f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]}).json()
    client.patch(f"/api/annotations/{ann['id']}", json={"result": [choice("neg")]})
    first = _history(client, ann["id"]).json()[0]
    r = client.post(f"/api/annotation-history/{first['id']}/restore")
    assert r.status_code == 200, r.text
    assert r.json() == {"annotation": ann["id"], "recreated": False}
    assert client.get(f"/api/annotations/{ann['id']}").json()["result"] == [choice("pos")]
    rows = _history(client, ann["id"]).json()
    assert [h["action"] for h in rows] == ["submitted", "updated", "restored"]
    assert rows[-1]["result"] == [choice("pos")]


def test_restore_recreates_a_deleted_annotation_with_its_id_and_counters(client: TestClient) -> None:
    pid = make_project(client)
    tid = _task(client, pid)
    ann = client.post(f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]}).json()
    client.patch(f"/api/annotations/{ann['id']}", json={"result": [choice("neg")]})
    client.delete(f"/api/annotations/{ann['id']}")
    assert client.get(f"/api/projects/{pid}").json()["total_annotations_number"] == 0
    first = _history(client, ann["id"]).json()[0]
    r = client.post(f"/api/annotation-history/{first['id']}/restore")
    assert r.status_code == 200, r.text
    assert r.json() == {"annotation": ann["id"], "recreated": True}
    back = client.get(f"/api/annotations/{ann['id']}").json()
    assert back["result"] == [choice("pos")] and back["completed_by"] == ann["completed_by"]
    assert back["unique_id"] == ann["unique_id"]  # the row came back from the trash
    task = client.get(f"/api/tasks/{tid}").json()
    assert task["total_annotations"] == 1 and task["is_labeled"] is True
    p = client.get(f"/api/projects/{pid}").json()
    assert p["total_annotations_number"] == 1 and p["num_tasks_with_annotations"] == 1
    # It left the trash: restoring the whole deletion now has nothing of it to bring back twice.
    deletion = client.get("/api/trash", params={"project": pid}).json()["results"][0]
    assert deletion["in_trash"]["annotations"] == 0
    again = client.post(f"/api/annotation-history/{first['id']}/restore")
    assert again.status_code == 200 and again.json()["recreated"] is False


def test_restore_refuses_when_the_task_is_gone(client: TestClient) -> None:
    pid = make_project(client)
    tid = _task(client, pid)
    ann = client.post(f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]}).json()
    client.delete(f"/api/tasks/{tid}")
    first = _history(client, ann["id"]).json()[0]
    r = client.post(f"/api/annotation-history/{first['id']}/restore")
    assert r.status_code == 409 and "task" in r.json()["validation_errors"]


def test_project_history_is_paginated_and_filtered(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    tids = [_task(client, pid, f"t{i}") for i in range(3)]
    anns = [client.post(f"/api/tasks/{t}/annotations", json={"result": [choice("pos")]}).json() for t in tids]
    client.patch(f"/api/annotations/{anns[0]['id']}", json={"result": [choice("neg")]})
    other = member(db, pid, "h-annotator@example.com")
    client.post(f"/api/tasks/{tids[1]}/annotations", json={"result": [choice("neg")]}, headers=_auth(other))
    url = f"/api/projects/{pid}/annotation-history"
    page1 = client.get(url, params={"page_size": 2}).json()
    assert page1["count"] == 5 and len(page1["results"]) == 2 and page1["previous"] is None
    assert "page=2" in page1["next"]
    last = client.get(url, params={"page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1 and last["next"] is None and "page=2" in last["previous"]
    ids = [h["id"] for h in page1["results"]]
    assert ids == sorted(ids, reverse=True)  # newest first
    by_ann = client.get(url, params={"annotation": anns[0]["id"]}).json()
    assert [h["action"] for h in by_ann["results"]] == ["updated", "submitted"]
    by_task = client.get(url, params={"task": tids[1]}).json()
    assert by_task["count"] == 2
    by_user = client.get(url, params={"user": other.id}).json()
    assert by_user["count"] == 1 and by_user["results"][0]["created_by"] == other.id
    assert client.get(url, params={"created_at_to": "2000-01-01T00:00:00Z"}).json()["count"] == 0


def test_delete_history_by_annotation_and_project(client: TestClient) -> None:
    pid = make_project(client)
    t1, t2 = _task(client, pid, "a"), _task(client, pid, "b")
    a1 = client.post(f"/api/tasks/{t1}/annotations", json={"result": [choice("pos")]}).json()
    a2 = client.post(f"/api/tasks/{t2}/annotations", json={"result": [choice("pos")]}).json()
    client.patch(f"/api/annotations/{a1['id']}", json={"result": [choice("neg")]})
    r = client.delete("/api/annotation-history", params={"annotation": a1["id"]})
    assert r.status_code == 200 and r.json() == {"removed": 2}
    assert _history(client, a1["id"]).json() == []
    assert len(_history(client, a2["id"]).json()) == 1
    r = client.delete("/api/annotation-history", params={"project": pid})
    assert r.json() == {"removed": 1}
    r = client.delete("/api/annotation-history", params={"project": pid, "task": t1})
    assert r.status_code == 400 and "annotation" in r.json()["validation_errors"]
    assert client.delete("/api/annotation-history").status_code == 400


def test_annotator_sees_own_history_only_when_the_project_shows_it(client: TestClient, db: Session) -> None:
    pid = make_project(client, maximum_annotations=2, blind=False)
    tid = _task(client, pid)
    alice, bob = member(db, pid, "alice@example.com"), member(db, pid, "bob@example.com")
    mine = client.post(
        f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]}, headers=_auth(alice)
    )
    theirs = client.post(
        f"/api/tasks/{tid}/annotations", json={"result": [choice("neg")]}, headers=_auth(bob)
    )
    mine_id, theirs_id = mine.json()["id"], theirs.json()["id"]
    assert _history(client, mine_id, **_auth(alice)).status_code == 403  # the project hides history
    client.patch(f"/api/projects/{pid}", json={"show_annotation_history": True})
    assert [h["action"] for h in _history(client, mine_id, **_auth(alice)).json()] == ["submitted"]
    assert _history(client, theirs_id, **_auth(alice)).status_code == 403  # she sees it, not its history
    entry = _history(client, theirs_id).json()[0]["id"]
    assert client.get(f"/api/annotation-history/{entry}", headers=_auth(alice)).status_code == 403
    client.patch(f"/api/projects/{pid}", json={"blind": True})
    assert _history(client, theirs_id, **_auth(alice)).status_code == 404  # blind: it does not exist for her


def test_reviewers_read_histories_managers_change_them(client: TestClient, db: Session) -> None:
    pid = make_project(client, show_annotation_history=True)
    tid = _task(client, pid)
    ann = client.post(f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]}).json()
    entry = _history(client, ann["id"]).json()[0]["id"]
    annotator = _auth(member(db, pid, "ann@example.com"))
    reviewer = _auth(member(db, pid, "rev@example.com", role="reviewer"))
    assert [h["id"] for h in _history(client, ann["id"], **reviewer).json()] == [entry]
    assert client.get(f"/api/annotation-history/{entry}", headers=reviewer).status_code == 200
    assert _history(client, ann["id"], **annotator).status_code == 404  # another's task: not there for them
    for who in (annotator, reviewer):
        assert client.get(f"/api/projects/{pid}/annotation-history", headers=who).status_code == 403
        assert client.post(f"/api/annotation-history/{entry}/restore", headers=who).status_code == 403
        r = client.delete("/api/annotation-history", params={"annotation": ann["id"]}, headers=who)
        assert r.status_code == 403
    other = make_project(client)
    outsider = _auth(member(db, other, "outsider@example.com"))
    assert client.get(f"/api/projects/{pid}/annotation-history", headers=outsider).status_code == 404
    assert _history(client, ann["id"], **outsider).status_code == 404
    assert client.post(f"/api/annotation-history/{entry}/restore", headers=outsider).status_code == 404
    assert _history(client, ann["id"]).status_code == 200


def test_bad_query_values_are_400s_naming_the_field(client: TestClient) -> None:
    pid = make_project(client)
    big = str(10**30)  # no driver could bind it
    cases = [
        ("/api/annotation-history", {"annotation": big}, "annotation"),
        ("/api/annotation-history", {"annotation": "1", "ordering": "result"}, "ordering"),
        (f"/api/projects/{pid}/annotation-history", {"task": big}, "task"),
        (f"/api/projects/{pid}/annotation-history", {"user": "x"}, "user"),
        (f"/api/projects/{pid}/annotation-history", {"created_at_from": "garbage"}, "created_at_from"),
        ("/api/trash", {"project": big}, "project"),
        ("/api/activity-logs", {"user": big}, "user"),
    ]
    for url, params, field in cases:
        r = client.get(url, params=params)
        assert r.status_code == 400 and field in r.json()["validation_errors"], (url, params, r.text)
    r = client.delete("/api/annotation-history", params={"task": big})
    assert r.status_code == 400 and "task" in r.json()["validation_errors"]
