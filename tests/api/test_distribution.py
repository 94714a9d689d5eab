"""The queue's distribution rules: each rule of `services/queue.py` with its own test, both backends."""

from __future__ import annotations

import itertools
import random
import re
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from labelwise.db.models import Annotation
from labelwise.services import choice as queue_choice
from labelwise.services import distribution
from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member
from tests.support.statements import counted


def _project(client: TestClient, n: int, **settings: Any) -> tuple[int, list[int]]:
    pid = make_project(client, **settings)
    r = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": f"t{i}"} for i in range(n)]
    )
    assert r.status_code == 201, r.text
    return pid, list(r.json()["task_ids"])


def _auth(user: Any) -> dict[str, str]:
    return {"Authorization": f"Token {user.token}"}


def _next(client: TestClient, pid: int, who: dict[str, str]) -> int | None:
    r = client.get(f"/api/projects/{pid}/next", headers=who)
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


def _submit(client: TestClient, tid: int, who: dict[str, str] | None = None, **extra: Any) -> Any:
    body = {"result": [choice("pos")], **extra}
    return client.post(f"/api/tasks/{tid}/annotations", json=body, headers=who or {})


def _drain(client: TestClient, pid: int, who: dict[str, str], limit: int = 50) -> list[int]:
    """The order in which one annotator is handed the project's tasks, submitting each."""
    seen: list[int] = []
    while (tid := _next(client, pid, who)) is not None and len(seen) < limit:
        assert _submit(client, tid, who).status_code == 201
        seen.append(tid)
    return seen


def test_sequential_is_id_order(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 4)
    a = _auth(member(db, pid, "a@example.com"))
    assert _drain(client, pid, a) == ids


def test_tasks_in_progress_come_before_new_ones(client: TestClient, db: Session) -> None:
    """Overlap 3: the task with the most annotations (then leases) first, whatever its id."""
    pid, ids = _project(client, 4, maximum_annotations=3)
    assert _submit(client, ids[3]).status_code == 201  # the owner labels the last task twice over
    other = _auth(member(db, pid, "o@example.com"))
    assert _submit(client, ids[3], other).status_code == 201
    assert _submit(client, ids[2]).status_code == 201  # and the third once
    a = _auth(member(db, pid, "a@example.com"))
    assert _next(client, pid, a) == ids[3]  # two annotations
    b = _auth(member(db, pid, "b@example.com"))
    # ids[3] now has 2 annotations + a's lease = overlap: full. ids[2] has one: next in line.
    assert _next(client, pid, b) == ids[2]
    c = _auth(member(db, pid, "c@example.com"))
    assert _next(client, pid, c) == ids[2]  # one annotation + b's lease beats a fresh task
    d = _auth(member(db, pid, "d@example.com"))
    assert _next(client, pid, d) == ids[0]  # ids[2] full too (1 + 2 leases): the first fresh task


def test_overlap_one_keeps_sequential_order(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 3)
    assert _submit(client, ids[2]).status_code == 201
    a = _auth(member(db, pid, "a@example.com"))
    assert _drain(client, pid, a) == ids[:2]


def test_uncertainty_sampling_hands_out_lowest_scores_first(client: TestClient, db: Session) -> None:
    pid = make_project(client, sampling="Uncertainty sampling")
    scores = [0.9, 0.2, None, 0.5, 0.2]
    items = []
    for i, score in enumerate(scores):
        item: dict[str, Any] = {"data": {"text": f"t{i}"}}
        if score is not None:
            item["predictions"] = [{"result": [choice("neg")], "score": score}]
        items.append(item)
    items[0]["predictions"].append({"result": [choice("pos")], "score": 0.1})  # its lowest counts
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[*items, {"text": "plain"}])
    ids = r.json()["task_ids"]
    a = _auth(member(db, pid, "a@example.com"))
    # 0.1 (task 0), 0.2 (tasks 1 and 4, by id), 0.5 (task 3), then the unscored in id order.
    assert _drain(client, pid, a) == [ids[0], ids[1], ids[4], ids[3], ids[2], ids[5]]


def test_uniform_sampling_spreads_and_still_covers_every_task(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 40, sampling="Uniform sampling")
    random.seed(7)  # the server runs in this process: the draw is reproducible
    a = _auth(member(db, pid, "a@example.com"))
    order = _drain(client, pid, a)
    assert sorted(order) == ids  # every task once, none twice, then done
    assert order != ids  # not id order
    assert order[:10] != ids[:10]


def test_annotation_limit_count(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 5)
    r = client.patch(f"/api/projects/{pid}", json={"annotation_limit_count": 2})
    assert r.status_code == 200 and r.json()["annotation_limit_count"] == 2
    a = _auth(member(db, pid, "a@example.com"))
    tid = _next(client, pid, a)
    assert tid is not None and _submit(client, tid, a).status_code == 201
    tid = _next(client, pid, a)
    assert tid is not None
    assert (
        client.post(
            f"/api/tasks/{tid}/annotations", json={"result": [], "was_cancelled": True}, headers=a
        ).status_code
        == 201
    )
    r = client.get(f"/api/projects/{pid}/next", headers=a)
    assert r.status_code == 404 and "limit" in r.json()["detail"]
    b = _auth(member(db, pid, "b@example.com"))
    assert _next(client, pid, b) == ids[1]  # the limit is per annotator (a skipped ids[1])
    assert client.patch(f"/api/projects/{pid}", json={"annotation_limit_count": None}).status_code == 200
    assert _next(client, pid, a) is not None


def test_the_prefetch_counts_the_task_on_screen_towards_the_limit(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 3)
    assert client.patch(f"/api/projects/{pid}", json={"annotation_limit_count": 1}).status_code == 200
    a = _auth(member(db, pid, "a@example.com"))
    first = _next(client, pid, a)
    assert first == ids[0]
    r = client.get(f"/api/projects/{pid}/next", params={"exclude": str(first)}, headers=a)
    assert r.status_code == 404 and "limit" in r.json()["detail"]
    assert _next(client, pid, a) == first  # still theirs to finish


def test_bad_distribution_settings_are_400_naming_the_field(client: TestClient) -> None:
    pid, _ = _project(client, 1)
    for body, field in (
        ({"annotation_limit_count": 0}, "annotation_limit_count"),
        ({"annotation_limit_count": "3"}, "annotation_limit_count"),
        ({"annotation_limit_count": True}, "annotation_limit_count"),
        ({"assignment_only": "yes"}, "assignment_only"),
        ({"assignment_settings": {"label_stream_task_distribution": "random"}}, "assignment_settings"),
        ({"assignment_settings": "assigned_only"}, "assignment_settings"),
    ):
        r = client.patch(f"/api/projects/{pid}", json={"title": "changed", **body})
        assert r.status_code == 400 and field in r.json()["validation_errors"], (body, r.text)
    project = client.get(f"/api/projects/{pid}").json()
    assert project["title"] == "t" and project["annotation_limit_count"] is None  # nothing written
    assert project["assignment_settings"]["label_stream_task_distribution"] == "auto_distribution"


def test_skipping_disabled_refuses_an_annotators_skip(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 2, show_skip_button=False)
    a = _auth(member(db, pid, "a@example.com"))
    skip = {"result": [], "was_cancelled": True}
    r = client.post(f"/api/tasks/{ids[0]}/annotations", json=skip, headers=a)
    assert r.status_code == 400 and r.json()["detail"] == "skipping is disabled in this project"
    assert client.get(f"/api/tasks/{ids[0]}/annotations").json() == []
    ann = _submit(client, ids[0], a)
    assert ann.status_code == 201  # labeling is fine
    r = client.patch(f"/api/annotations/{ann.json()['id']}", json=skip, headers=a)
    assert r.status_code == 400  # so is turning an annotation into a skip
    assert client.post(f"/api/tasks/{ids[1]}/annotations", json=skip).status_code == 201  # the owner may


def _assign(client: TestClient, pid: int, tids: list[int], users: list[int]) -> None:
    body = {"type": "AN", "users": users, "selectedItems": {"all": False, "included": tids}}
    r = client.post(f"/api/projects/{pid}/tasks/assignees", json=body)
    assert r.status_code == 200, r.text


def test_assigned_tasks_come_first(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 4)
    ua = member(db, pid, "a@example.com")
    _assign(client, pid, [ids[2], ids[3]], [ua.id])
    a, b = _auth(ua), _auth(member(db, pid, "b@example.com"))
    assert _next(client, pid, a) == ids[2]
    assert _next(client, pid, b) == ids[0]  # others still get unassigned work
    assert _drain(client, pid, a) == [ids[2], ids[3], ids[1]]


def test_manual_distribution_hands_out_only_assigned_tasks(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 4)
    r = client.patch(
        f"/api/projects/{pid}",
        json={"assignment_settings": {"label_stream_task_distribution": "assigned_only"}},
    )
    assert r.status_code == 200 and r.json()["assignment_only"] is True
    ua, ub = member(db, pid, "a@example.com"), member(db, pid, "b@example.com")
    _assign(client, pid, [ids[1]], [ua.id])
    a, b = _auth(ua), _auth(ub)
    assert _next(client, pid, b) is None  # nothing assigned to b, and a's task is not b's
    assert _drain(client, pid, a) == [ids[1]]
    _assign(client, pid, [ids[1]], [ub.id])  # an assignment asks for that person's annotation too
    assert _drain(client, pid, b) == [ids[1]]
    assert client.patch(f"/api/projects/{pid}", json={"assignment_only": False}).status_code == 200
    assert _next(client, pid, b) == ids[0]


def test_paused_annotator_gets_403_and_cannot_submit(client: TestClient, db: Session) -> None:
    pid, _ = _project(client, 2)
    ua = member(db, pid, "a@example.com")
    a = _auth(ua)
    held = _next(client, pid, a)
    body = {"reason": "MANUAL", "verbose_reason": "Please re-read the guidelines"}
    r = client.post(f"/api/projects/{pid}/members/{ua.id}/pauses", json=body)
    assert r.status_code == 201, r.text
    pause_id = r.json()["id"]
    r = client.get(f"/api/projects/{pid}/next", headers=a)
    assert r.status_code == 403 and "re-read the guidelines" in r.json()["detail"]
    refused = _submit(client, held or 0, a)
    assert (
        held is not None
        and refused.status_code == 403
        and "re-read the guidelines" in refused.json()["detail"]
    )
    assert client.get(f"/api/tasks/{held}/annotations").json() == []
    assert client.delete(f"/api/projects/{pid}/members/{ua.id}/pauses/{pause_id}").status_code == 204
    assert _next(client, pid, a) == held
    assert _submit(client, held, a).status_code == 201


def test_rejected_work_returns_to_its_author_first(client: TestClient, db: Session) -> None:
    pid, ids = _project(client, 3)
    ua = member(db, pid, "a@example.com")
    a = _auth(ua)
    first = _next(client, pid, a)
    ann = _submit(client, first or 0, a).json()
    assert _next(client, pid, a) == ids[1]
    db.execute(update(Annotation).where(Annotation.id == ann["id"]).values(review_state="rejected"))
    db.commit()  # what the review helper does when a reviewer rejects
    assert _next(client, pid, a) == first  # rework before anything else, although a annotated it
    b = _auth(member(db, pid, "b@example.com"))
    assert _next(client, pid, b) == ids[2]  # someone else's rejection is not b's work
    r = client.patch(f"/api/annotations/{ann['id']}", json={"result": [choice("neg")]}, headers=a)
    assert r.status_code == 200
    assert _next(client, pid, a) == ids[1]  # fixed: back to the lease it holds


def test_a_task_someone_else_holds_comes_before_a_fresh_one(client: TestClient, db: Session) -> None:
    """Overlap 2: a task only leased so far (no annotation yet) is still in progress."""
    pid, ids = _project(client, 4, maximum_annotations=2)
    ua = member(db, pid, "a@example.com")
    _assign(client, pid, [ids[2]], [ua.id])
    assert _next(client, pid, _auth(ua)) == ids[2]  # a holds a lease on it
    b = _auth(member(db, pid, "b@example.com"))
    assert _next(client, pid, b) == ids[2]  # not ids[0]: a's task needs a second annotator anyway
    c = _auth(member(db, pid, "c@example.com"))
    assert _next(client, pid, c) == ids[0]  # two leases on ids[2] fill its overlap


def test_the_choice_is_one_statement_whatever_the_number_of_leases(
    client: TestClient, db: Session, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tasks other people hold go into the choice as a list; its statement must not change with the
    list's length on PostgreSQL (a new text is parsed and planned again, and never prepared)."""
    pid, ids = _project(client, 12, maximum_annotations=3)
    people = [_auth(member(db, pid, f"p{k}@example.com")) for k in range(4)]
    postgres = db.get_bind().dialect.name == "postgresql"
    sent: list[str] = []
    if postgres:  # the choice runs on the driver (db/prepared.py, in a pipeline): watch what it is sent
        real = psycopg.Connection.execute

        def execute(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            sent.append(str(query))
            return real(self, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Connection, "execute", execute)
    texts, handed = [], []
    for who in people:  # each asks while 0, 1, 2, then 3 others hold leases (all on the first task)
        sent.clear()
        with counted(app.state.engine) as seen:
            handed.append(_next(client, pid, who))
        texts.append(next(s for s in (sent if postgres else seen) if "INSERT INTO task_locks" in s))
    assert handed == [ids[0], ids[0], ids[0], ids[1]]  # three leases fill the first task's overlap
    distinct = len(set(texts[1:]))
    # 1, 2 and 3 leases held by others: one statement on PostgreSQL; SQLite expands the list.
    assert distinct == (1 if postgres else 3)


@pytest.mark.parametrize("sampling", ["Sequential sampling", "Uniform sampling", "Uncertainty sampling"])
def test_the_choice_writes_its_limits_into_the_sql(sampling: str) -> None:
    """The section plans the choice once for every call (a generic plan): a LIMIT sent as a parameter is
    unknown to that plan, which then costs each walk as a full scan (and JIT-compiles it: 26 ms a call at
    200,000 tasks). Every shape of the choice must carry its LIMIT and OFFSET as numbers."""
    for overlap, manual, leased, skip in itertools.product(
        (1, 3), (False, True), (False, True), (False, True)
    ):
        rules = distribution.Rules(overlap=overlap, sampling=sampling, assignment_only=manual, limit=None)
        compiled = queue_choice.plan("postgresql", rules, leased, skip).compile(dialect=postgresql.dialect())
        sql = str(compiled)
        assert "LIMIT 1" in sql and "OFFSET 0" in sql
        assert not re.search(r"(LIMIT|OFFSET) %\(", sql), sql
