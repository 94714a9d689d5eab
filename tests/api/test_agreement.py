"""The agreement report (`GET /api/projects/{id}/agreement`), the stored `tasks.agreement` kept on every
annotation write, and the `quality.agreement` job that rewrites it (`POST .../agreement/recompute`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import krippendorff
import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from labelwise.db.models import Task, TaskConsensus, User
from labelwise.db.runtime import Database
from labelwise.services import agreement
from labelwise.services.errors import Conflict
from tests.api.test_tasks_and_import import choice, make_project
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.people import member

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices>'
    '<Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>'
    '<Rating name="stars" toName="text" maxRating="5"/></View>'
)
# Per task, the three annotators' sentiment; the third often disagrees.
ANSWERS = [
    ("pos", "pos", "neg"),
    ("neg", "neg", "pos"),
    ("pos", "pos", "pos"),
    ("neg", "pos", "neg"),
]
STARS = [(4, 4, 2), (1, 2, 1), (5, 5, 5), (3, 3, 4)]


def span(start: int, end: int, label: str) -> dict[str, Any]:
    return {"from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "labels": [label]}}  # fmt: skip


def stars(value: int) -> dict[str, Any]:
    return {"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": value}}


@dataclass
class Crowd:
    pid: int
    tasks: list[int]
    headers: list[dict[str, str]]
    users: list[int]


def _crowd(client: TestClient, db: Session) -> Crowd:
    pid = make_project(client, CONFIG, maximum_annotations=3)
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1",
                    json=[{"text": f"Ada at Acme, task {i}"} for i in range(len(ANSWERS) + 1)])  # fmt: skip
    tasks = list(r.json()["task_ids"])
    headers, ids = [], []
    for k in range(3):
        token = f"agree{k}-token-0123456789"
        ids.append(member(db, pid, f"a{k}@example.com", "annotator", token=token).id)
        headers.append({"Authorization": f"Token {token}"})
    for task_id, answers, rated in zip(tasks, ANSWERS, STARS, strict=False):
        for k, value in enumerate(answers):
            result = [choice(value), stars(rated[k])]
            if task_id == tasks[0]:  # spans on the first task: two annotators mark the same one
                result.append(span(0, 3, "PER") if k < 2 else span(7, 11, "ORG"))
            got = client.post(
                f"/api/tasks/{task_id}/annotations", json={"result": result}, headers=headers[k]
            )
            assert got.status_code == 201, got.text
    # The last task has one annotation only: nothing to compare.
    got = client.post(
        f"/api/tasks/{tasks[-1]}/annotations", json={"result": [choice("pos")]}, headers=headers[0]
    )
    assert got.status_code == 201, got.text
    return Crowd(pid, tasks, headers, ids)


def _pair_share(answers: tuple[Any, ...]) -> float:
    pairs = [(a, b) for k, a in enumerate(answers) for b in answers[k + 1 :]]
    return sum(a == b for a, b in pairs) / len(pairs)


def _stored(db: Session, tasks: list[int]) -> dict[int, float | None]:
    db.rollback()
    return dict(db.execute(select(Task.id, Task.agreement).where(Task.id.in_(tasks))).all())


def _expected_task(k: int) -> float:
    """Task k's agreement: the mean of its controls' pair shares (spans only on task 0: 1 of 3 pairs)."""
    parts = [_pair_share(ANSWERS[k]), _pair_share(STARS[k])] + ([1 / 3] if k == 0 else [])
    return round(sum(parts) / len(parts), 4)


def test_the_report_names_each_controls_metric_with_values_from_the_library(
    client: TestClient, db: Session
) -> None:
    crowd = _crowd(client, db)
    r = client.get(f"/api/projects/{crowd.pid}/agreement")
    assert r.status_code == 200, r.text
    body = r.json()
    controls = {c["name"]: c for c in body["controls"]}
    assert set(controls) == {"sentiment", "label", "stars"}

    sentiment = controls["sentiment"]
    # reliability data: annotators x tasks, the single-annotation task included (alpha ignores it)
    rel = np.full((3, len(crowd.tasks)), np.nan)
    codes = {"pos": 0.0, "neg": 1.0}
    for t, answers in enumerate(ANSWERS):
        rel[:, t] = [codes[a] for a in answers]
    rel[0, -1] = 0.0
    want = krippendorff.alpha(reliability_data=rel, level_of_measurement="nominal")
    assert sentiment["metric"] == "krippendorff_alpha_nominal"
    assert sentiment["value"] == pytest.approx(want, abs=1e-4)
    assert sentiment["percent_agreement"] == pytest.approx(
        np.mean([_pair_share(a) for a in ANSWERS]), abs=1e-4
    )
    assert (sentiment["tasks"], sentiment["pairs"], sentiment["annotations"]) == (4, 12, 13)

    stars_report = controls["stars"]
    rel = np.array(STARS, dtype=float).T
    want = krippendorff.alpha(
        reliability_data=rel, level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5]
    )
    assert stars_report["metric"] == "krippendorff_alpha_ordinal"
    assert stars_report["value"] == pytest.approx(want, abs=1e-4)

    spans = controls["label"]
    assert spans["metric"] == "span_f1" and spans["tasks"] == 1 and spans["pairs"] == 3
    assert spans["value"] == pytest.approx(1 / 3, abs=1e-4)  # one agreeing pair of three
    assert {e["label"]: e["agreement"] for e in spans["labels"]} == {"PER": pytest.approx(1 / 3, abs=1e-4),
                                                                   "ORG": 0.0}  # fmt: skip

    # Positive specific agreement of "pos": sum n_pos (n_pos - 1) / sum n_pos (n - 1), by hand.
    pos = [sum(a == "pos" for a in answers) for answers in ANSWERS]
    psa = sum(n * (n - 1) for n in pos) / sum(n * 2 for n in pos)
    labels = {e["label"]: e for e in sentiment["labels"]}
    assert labels["pos"]["agreement"] == pytest.approx(psa, abs=1e-4) and labels["pos"]["count"] == sum(pos)

    # Annotator x annotator: 0 and 1 agree on 3 of the 4 tasks they share; 1 and 2 on one.
    people = [p["id"] for p in sentiment["annotators"]]
    a0, a1, a2 = (people.index(u) for u in crowd.users)
    matrix = sentiment["matrix"]
    assert matrix["agreement"][a0][a1] == pytest.approx(3 / 4) and matrix["common_tasks"][a0][a1] == 4
    assert matrix["agreement"][a1][a0] == matrix["agreement"][a0][a1]
    assert matrix["agreement"][a0][a0] is None
    assert matrix["agreement"][a1][a2] == pytest.approx(1 / 4)

    # Confusion over ordered pairs: symmetric, twice the number of pairs in all.
    conf = sentiment["confusion"]
    cells = {
        (a, b): conf["counts"][i][j]
        for i, a in enumerate(conf["labels"])
        for j, b in enumerate(conf["labels"])
    }
    assert sum(cells.values()) == 2 * 12 and cells[("pos", "neg")] == cells[("neg", "pos")]
    same = sum(sum(a == b for k, a in enumerate(x) for b in x[k + 1 :]) for x in ANSWERS)
    assert cells[("pos", "pos")] + cells[("neg", "neg")] == 2 * same
    assert sentiment["consensus"] is None  # no aggregation has run

    lowest = body["lowest_tasks"]
    assert [t["agreement"] for t in lowest] == sorted(t["agreement"] for t in lowest)
    assert {t["id"] for t in lowest} == set(crowd.tasks[:4])
    by_id = {t["id"]: t for t in lowest}
    for k, task_id in enumerate(crowd.tasks[:4]):
        assert by_id[task_id]["agreement"] == pytest.approx(_expected_task(k), abs=1e-4)
        assert by_id[task_id]["inner_id"] == k + 1
    assert body["tasks"] == 4


def test_control_and_limit_narrow_the_report_and_bad_values_are_400(client: TestClient, db: Session) -> None:
    crowd = _crowd(client, db)
    r = client.get(f"/api/projects/{crowd.pid}/agreement", params={"control": "sentiment", "limit": "2"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [c["name"] for c in body["controls"]] == ["sentiment"]
    assert len(body["lowest_tasks"]) == 2
    shares = sorted(_pair_share(a) for a in ANSWERS)
    assert [t["agreement"] for t in body["lowest_tasks"]] == pytest.approx(shares[:2], abs=1e-4)
    for params, field in (({"control": "nosuch"}, "control"), ({"limit": "-1"}, "limit"),
                          ({"limit": "many"}, "limit"), ({"limit": "5000"}, "limit")):  # fmt: skip
        r = client.get(f"/api/projects/{crowd.pid}/agreement", params=params)
        assert r.status_code == 400, r.text
        assert field in r.json()["validation_errors"]


def test_consensus_confusion_comes_from_the_stored_consensus(client: TestClient, db: Session) -> None:
    crowd = _crowd(client, db)
    r = client.post(f"/api/projects/{crowd.pid}/aggregate", json={"method": "mv"})
    assert r.status_code == 202
    _wait(client, f"/api/projects/{crowd.pid}/aggregate")
    db.rollback()
    truth = {
        row.task_id: row.result[0]["value"]["choices"][0]
        for row in db.scalars(select(TaskConsensus).where(
            TaskConsensus.project_id == crowd.pid, TaskConsensus.control == "sentiment"))
    }  # fmt: skip
    body = client.get(f"/api/projects/{crowd.pid}/agreement", params={"control": "sentiment"}).json()
    cons = body["controls"][0]["consensus"]
    cells = {
        (a, b): cons["counts"][i][j]
        for i, a in enumerate(cons["labels"])
        for j, b in enumerate(cons["labels"])
    }
    want: dict[tuple[str, str], int] = {}
    for task_id, answers in zip(crowd.tasks, [*ANSWERS, ("pos",)], strict=True):
        for a in answers:
            want[(a, truth[task_id])] = want.get((a, truth[task_id]), 0) + 1
    assert {k: v for k, v in cells.items() if v} == want
    agreeing = sum(v for (a, b), v in want.items() if a == b)
    assert cons["agreement"] == pytest.approx(agreeing / sum(want.values()), abs=1e-4)


def test_the_column_follows_submit_update_delete_and_restore(client: TestClient, db: Session) -> None:
    crowd = _crowd(client, db)
    stored = _stored(db, crowd.tasks)
    for k, task_id in enumerate(crowd.tasks[:4]):
        assert stored[task_id] == pytest.approx(_expected_task(k), abs=1e-4)
    assert stored[crowd.tasks[-1]] is None  # one annotator: nothing to agree with

    # A second annotation on the last task: now two annotators, who agree.
    last = crowd.tasks[-1]
    r = client.post(
        f"/api/tasks/{last}/annotations", json={"result": [choice("pos")]}, headers=crowd.headers[1]
    )
    assert r.status_code == 201
    assert _stored(db, [last])[last] == 1.0
    # The second changes their mind.
    r = client.patch(f"/api/annotations/{r.json()['id']}", json={"result": [choice("neg")]})
    assert r.status_code == 200, r.text
    assert _stored(db, [last])[last] == 0.0
    second = r.json()["id"]
    # A skip changes nothing; deleting the second annotation leaves one: no agreement.
    r = client.post(
        f"/api/tasks/{last}/annotations", json={"was_cancelled": True, "result": []}, headers=crowd.headers[2]
    )
    assert r.status_code == 201 and _stored(db, [last])[last] == 0.0
    assert client.delete(f"/api/annotations/{second}").status_code == 204
    assert _stored(db, [last])[last] is None
    # Restored from the trash: the agreement comes back.
    deletion = client.get("/api/trash").json()["results"][0]["id"]
    assert client.post(f"/api/trash/{deletion}/restore").status_code == 200
    assert _stored(db, [last])[last] == 0.0


def _wait(client: TestClient, path: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(path).json()["job"]
        if job and job["status"] in ("completed", "failed", "cancelled"):
            return dict(job)
        time.sleep(0.05)
    raise AssertionError("the job did not finish within 60 s")


def test_the_recompute_job_rewrites_every_task(
    client: TestClient, db: Session, database: Database, admin: User
) -> None:
    crowd = _crowd(client, db)
    want = _stored(db, crowd.tasks)
    db.execute(update(Task).where(Task.project_id == crowd.pid).values(agreement=0.5))  # stale values
    db.commit()
    r = client.post(f"/api/projects/{crowd.pid}/agreement/recompute")
    assert r.status_code == 202, r.text
    assert r.json()["job"]["status"] in ("queued", "running", "completed")
    job = _wait(client, f"/api/projects/{crowd.pid}/agreement")
    assert job["status"] == "completed", job
    assert job["result"] == {"tasks": 4}
    assert job["progress"] == {"done": 13, "total": 13}
    assert _stored(db, crowd.tasks) == want
    # One at a time per project. The recompute under way is written as running with a fresh heartbeat, so
    # the app's runner cannot finish it before the second request (a queued one raced it on a fast machine).
    with database.sessionmaker() as s:
        from labelwise.jobs import store as job_store
        from labelwise.services import projects, users

        project, owner = projects.get(s, crowd.pid), users.get(s, admin.id)
        held = job_store.submit(
            s, agreement.KIND, {"project_id": crowd.pid}, project_id=crowd.pid, status=job_store.RUNNING
        )
        with pytest.raises(Conflict, match=f"job {held.id}"):
            agreement.submit(s, project, owner)


def test_an_empty_project_has_an_empty_report(client: TestClient) -> None:
    pid = make_project(client, CONFIG)
    body = client.get(f"/api/projects/{pid}/agreement").json()
    assert body["agreement"] is None and body["tasks"] == 0 and body["lowest_tasks"] == []
    assert all(c["pairs"] == 0 and c["value"] is None and c["matrix"] is None for c in body["controls"])


def _listed(
    client: TestClient, pid: int, query: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    r = client.get(
        "/api/tasks", params={"project": pid, "query": orjson.dumps(query).decode()}, headers=headers
    )
    return r


def test_the_data_manager_filters_and_orders_by_agreement(client: TestClient, db: Session) -> None:
    crowd = _crowd(client, db)
    stored = _stored(db, crowd.tasks)
    item = {"filter": "filter:tasks:agreement", "operator": "less", "type": "Number", "value": 0.5}
    r = _listed(client, crowd.pid, {"filters": {"conjunction": "and", "items": [item]}})
    assert r.status_code == 200, r.text
    low = {t["id"]: t["agreement"] for t in r.json()["tasks"]}
    assert low == {t: a for t, a in stored.items() if a is not None and a < 0.5} and low

    r = _listed(client, crowd.pid, {"ordering": ["tasks:agreement"]})
    got = [(t["id"], t["agreement"]) for t in r.json()["tasks"]]
    known = sorted(((t, a) for t, a in stored.items() if a is not None), key=lambda x: (x[1], x[0]))
    assert [a for _, a in got[: len(known)]] == [a for _, a in known]
    assert got[-1] == (crowd.tasks[-1], None)  # tasks without agreement come last either way
    r = _listed(client, crowd.pid, {"ordering": ["-tasks:agreement"]})
    values = [t["agreement"] for t in r.json()["tasks"]]
    assert values == [*sorted((a for a in stored.values() if a is not None), reverse=True), None]

    empty = {"filter": "filter:tasks:agreement", "operator": "empty", "type": "Number", "value": True}
    r = _listed(client, crowd.pid, {"filters": {"conjunction": "and", "items": [empty]}})
    assert [t["id"] for t in r.json()["tasks"]] == [crowd.tasks[-1]]
    for bad in ("half", True, None):
        wrong = {**item, "value": bad}
        r = _listed(client, crowd.pid, {"filters": {"conjunction": "and", "items": [wrong]}})
        assert r.status_code == 400, r.text
        assert "filter:tasks:agreement" in r.json()["detail"]


def test_annotators_never_see_agreement_nor_the_report(client: TestClient, db: Session) -> None:
    crowd = _crowd(client, db)
    # An annotator reads their own task without its agreement; the report and the recompute are 403.
    task = client.get(f"/api/tasks/{crowd.tasks[0]}", headers=crowd.headers[0])
    assert task.status_code == 200, task.text
    assert "agreement" not in task.json()
    assert client.get(f"/api/tasks/{crowd.tasks[0]}").json()["agreement"] is not None
    assert client.get(f"/api/projects/{crowd.pid}/agreement", headers=crowd.headers[0]).status_code == 403
    r = client.post(f"/api/projects/{crowd.pid}/agreement/recompute", headers=crowd.headers[0])
    assert r.status_code == 403


def _signed_in(client: TestClient, email: str, password: str) -> TestClient:
    browser = TestClient(client.app)
    r = browser.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code in (200, 204), r.text
    return browser


def test_the_page_shows_the_heatmap_tables_and_links_for_managers_only(
    client: TestClient, db: Session
) -> None:
    crowd = _crowd(client, db)
    probe = "<img src=x onerror=alert(1)>"
    client.patch(f"/api/users/{crowd.users[0]}", json={"first_name": probe})
    with _signed_in(client, ADMIN_EMAIL, ADMIN_PASSWORD) as browser:
        page = browser.get(f"/projects/{crowd.pid}/agreement")
        assert page.status_code == 200, page.text
        text = page.text
        assert text.count('class="heatmap"') == 3  # one per control with pairs
        assert "Krippendorff&#39;s alpha (nominal)" in text and "Span F1" in text
        assert f'href="/projects/{crowd.pid}/agreement"' in text  # the navigation link
        for task_id in crowd.tasks[:4]:
            assert f'href="/projects/{crowd.pid}/label?task={task_id}"' in text
        assert "Between annotators" in text and "<img src=x" not in text and "&lt;img src=x" in text
        one = browser.get(f"/projects/{crowd.pid}/agreement", params={"control": "sentiment"}).text
        assert one.count('class="heatmap"') == 1
        empty = make_project(client, CONFIG)
        blank = browser.get(f"/projects/{empty}/agreement")
        assert blank.status_code == 200 and "needs at least two annotators on a task" in blank.text
        assert browser.get("/projects/999999/agreement").status_code == 404
    with _signed_in(client, "a0@example.com", "password-123") as annotator:
        assert annotator.get(f"/projects/{crowd.pid}/agreement").status_code == 403
        dash = annotator.get(f"/projects/{crowd.pid}/dashboard").text
        assert f'href="/projects/{crowd.pid}/agreement"' not in dash
