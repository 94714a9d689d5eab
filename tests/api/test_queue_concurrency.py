"""Concurrent annotators against a live server: overlap is never exceeded, nothing fails."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest
from sqlalchemy.orm import Session

from tests.support.people import member
from tests.support.server import LiveServer

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="c" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>'
)
RESULT = [{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": ["a"]}}]


def _race(live_server: LiveServer, pid: int, tokens: list[str], rounds: int) -> Counter[int]:
    """Every annotator in a thread of their own: next, submit, again, until `next` says no; the statuses."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def work(token: str) -> None:
        with httpx.Client(
            base_url=live_server.url, headers={"Authorization": f"Token {token}"}, timeout=60
        ) as c:
            for _ in range(rounds):  # bounded
                r = c.get(f"/api/projects/{pid}/next")
                s = (
                    c.post(f"/api/tasks/{r.json()['id']}/annotations/", json={"result": RESULT})
                    if r.status_code == 200
                    else None
                )
                with lock:
                    statuses[r.status_code] += 1
                    if s is not None:
                        statuses[s.status_code] += 1
                if s is None:
                    return

    threads = [threading.Thread(target=work, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return statuses


def _annotators_by_task(admin: httpx.Client, pid: int) -> dict[int, list[int]]:
    people: dict[int, list[int]] = {}
    page = 1
    while (
        r := admin.get("/api/tasks", params={"project": pid, "page": page, "page_size": 100})
    ).status_code == 200:
        for task in r.json()["tasks"]:
            people[task["id"]] = [a["completed_by"] for a in task["annotations"]]
        page += 1
    return people


@pytest.mark.parametrize("overlap", [1, 2])
def test_annotators_racing_for_tasks(live_server: LiveServer, db: Session, overlap: int) -> None:
    admin = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {live_server.token}"})
    pid = admin.post(
        "/api/projects", json={"title": "race", "label_config": CONFIG, "maximum_annotations": overlap}
    ).json()["id"]
    n_tasks = 30
    admin.post(f"/api/projects/{pid}/import", json=[{"text": f"t{i}"} for i in range(n_tasks)])
    tokens = [member(db, pid, f"racer{i}@example.com").token for i in range(6)]
    statuses = _race(live_server, pid, tokens, n_tasks + 5)
    assert all(code in (200, 201, 404) for code in statuses), statuses
    people = _annotators_by_task(admin, pid)
    assert len(people) == n_tasks
    assert all(len(who) == overlap for who in people.values()), people
    assert all(len(set(who)) == overlap for who in people.values())


@pytest.mark.parametrize("sampling", ["Sequential sampling", "Uniform sampling"])
def test_eight_annotators_overlap_two(live_server: LiveServer, db: Session, sampling: str) -> None:
    """Eight annotators at once, overlap 2, tasks in progress preferred: every task ends with exactly
    two annotations by two different people, and no request fails."""
    admin = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {live_server.token}"})
    body = {"title": "team", "label_config": CONFIG, "maximum_annotations": 2, "sampling": sampling}
    pid = admin.post("/api/projects", json=body).json()["id"]
    n_tasks = 40
    admin.post(f"/api/projects/{pid}/import", json=[{"text": f"t{i}"} for i in range(n_tasks)])
    tokens = [member(db, pid, f"team{i}@example.com").token for i in range(8)]
    statuses = _race(live_server, pid, tokens, n_tasks + 5)
    assert not any(code >= 500 for code in statuses), statuses
    assert set(statuses) <= {200, 201, 404}, statuses
    people = _annotators_by_task(admin, pid)
    assert len(people) == n_tasks
    assert all(len(who) == 2 and len(set(who)) == 2 for who in people.values()), people
    assert statuses[201] == 2 * n_tasks
