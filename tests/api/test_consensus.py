"""Aggregated labels: the `aggregation` setting, the quality.aggregate job, consensus on tasks (hidden from
annotators of a blind project), the "aggregated" export and annotators' skills on the dashboard."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise import quality
from labelwise.db.models import AnnotatorSkill, TaskConsensus, User
from labelwise.db.runtime import Database
from labelwise.services import aggregation, consensus, projects
from labelwise.services.errors import Conflict
from tests.api.test_tasks_and_import import choice, make_project
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.people import member

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices>'
    '<Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels></View>'
)
# Per task, what each of the three annotators answers; the third disagrees with the other two on most tasks.
ANSWERS = [
    ("pos", "pos", "neg"),
    ("neg", "neg", "pos"),
    ("pos", "pos", "pos"),
    ("neg", "pos", "neg"),
    ("pos", "neg", "neg"),
    ("neg", "neg", "pos"),
]


def span(start: int, end: int, label: str, region: str) -> dict[str, Any]:
    return {
        "id": region,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "labels": [label]},
    }


@dataclass
class Crowd:
    pid: int
    tasks: list[int]
    headers: list[dict[str, str]]
    users: list[int]


def _crowd(client: TestClient, db: Session, **project: Any) -> Crowd:
    pid = make_project(client, CONFIG, maximum_annotations=3, **project)
    r = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1",
        json=[{"text": f"Ada at Acme, task {i}"} for i in range(len(ANSWERS))],
    )
    tasks = list(r.json()["task_ids"])
    headers, ids = [], []
    for k in range(3):
        token = f"crowd{k}-token-0123456789"
        ids.append(member(db, pid, f"a{k}@example.com", "annotator", token=token).id)
        headers.append({"Authorization": f"Token {token}"})
    for task_id, answers in zip(tasks, ANSWERS, strict=True):
        for k, value in enumerate(answers):
            result = [choice(value)]
            if task_id == tasks[0]:  # spans on the first task: two annotators mark the same one
                result.append(span(0, 3, "PER", f"r{k}") if k < 2 else span(7, 11, "ORG", "r9"))
            got = client.post(
                f"/api/tasks/{task_id}/annotations", json={"result": result}, headers=headers[k]
            )
            assert got.status_code == 201, got.text
    return Crowd(pid, tasks, headers, ids)


def _aggregate(client: TestClient, pid: int, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = client.post(f"/api/projects/{pid}/aggregate", json=body or {})
    assert r.status_code == 202, r.text
    job_id = r.json()["job"]["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = client.get(f"/api/projects/{pid}/aggregate").json()
        if state["job"]["id"] == job_id and state["job"]["status"] in ("completed", "failed", "cancelled"):
            return dict(state)
        time.sleep(0.05)
    raise AssertionError("the aggregation did not finish within 60 s")


def _votes(crowd: Crowd) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tasks = [t for t, answers in zip(crowd.tasks, ANSWERS, strict=True) for _ in answers]
    workers = crowd.users * len(ANSWERS)
    labels = [a for answers in ANSWERS for a in answers]
    return np.asarray(tasks), np.asarray(workers), np.asarray(labels, dtype=object)


def test_the_job_stores_dawid_skene_for_choices_and_a_token_vote_for_spans(
    client: TestClient, db: Session
) -> None:
    crowd = _crowd(client, db)
    state = _aggregate(client, crowd.pid)
    assert state["job"]["status"] == "completed", state
    n_annotations = 3 * len(ANSWERS)
    assert state["job"]["progress"] == {"done": n_annotations, "total": n_annotations}
    assert state["tasks_with_consensus"] == len(ANSWERS)
    assert state["methods"] == {"sentiment": "ds", "label": "span"}

    expected = quality.DawidSkene().fit(_votes(crowd))
    db.rollback()
    rows = {
        (r.task_id, r.control): r
        for r in db.scalars(select(TaskConsensus).where(TaskConsensus.project_id == crowd.pid))
    }
    assert len(rows) == len(ANSWERS) + 1  # every task's sentiment, the first task's spans
    for task_id, label, probas in zip(
        expected.tasks_.tolist(),
        expected.classes_[expected.label_codes_],
        expected.proba_matrix_,
        strict=True,
    ):
        got = rows[(task_id, "sentiment")]
        assert got.method == "ds"
        assert got.result == [choice(str(label))]
        assert abs(got.confidence - float(probas.max())) < 1e-9
    # Unanimous tasks are certain; on the first task two annotators of three mark "Ada" as PER (2/3 of the
    # token's votes) and the third's "Acme" as ORG is outvoted by two "nothing here" (2/3 again).
    assert rows[(crowd.tasks[2], "sentiment")].result == [choice("pos")]
    spans = rows[(crowd.tasks[0], "label")]
    assert spans.method == "span" and abs(spans.confidence - 2 / 3) < 1e-9
    assert spans.result == [{"from_name": "label", "to_name": "text", "type": "labels", "score": 0.666667,
                             "value": {"start": 0, "end": 3, "text": "Ada", "labels": ["PER"]}}]  # fmt: skip

    skills = {
        (s.user_id, s.control): s
        for s in db.scalars(select(AnnotatorSkill).where(AnnotatorSkill.project_id == crowd.pid))
    }
    want = aggregation.skills("ds", expected)
    for worker, skill in zip(expected.votes_.workers.tolist(), want.tolist(), strict=True):
        got_skill = skills[(worker, "sentiment")]
        assert abs((got_skill.skill or 0) - skill) < 1e-9 and got_skill.n == len(ANSWERS)
        assert got_skill.gold_accuracy is None
    assert (skills[(crowd.users[0], "sentiment")].skill or 0) > (
        skills[(crowd.users[2], "sentiment")].skill or 0
    )


def test_a_method_per_control_from_the_setting_and_a_rerun_replaces_the_rows(
    client: TestClient, db: Session
) -> None:
    crowd = _crowd(client, db)
    _aggregate(client, crowd.pid)
    r = client.patch(f"/api/projects/{crowd.pid}", json={"aggregation": {"sentiment": "mv"}})
    assert r.status_code == 200 and r.json()["aggregation"] == {"sentiment": "mv"}
    assert _aggregate(client, crowd.pid)["methods"] == {"sentiment": "mv", "label": "span"}
    expected = quality.MajorityVote().fit(_votes(crowd))
    db.rollback()
    rows = db.scalars(
        select(TaskConsensus).where(
            TaskConsensus.project_id == crowd.pid, TaskConsensus.control == "sentiment"
        )
    ).all()
    assert len(rows) == len(ANSWERS)  # replaced, not added to
    by_task = {r.task_id: r for r in rows}
    for task_id, label, probas in zip(
        expected.tasks_.tolist(),
        expected.classes_[expected.label_codes_],
        expected.proba_matrix_,
        strict=True,
    ):
        assert by_task[task_id].method == "mv" and by_task[task_id].result == [choice(str(label))]
        assert abs(by_task[task_id].confidence - float(probas.max())) < 1e-9
    # One method for every control, this run only.
    assert _aggregate(client, crowd.pid, {"method": "mace"})["job"]["result"]["methods"] == {
        "sentiment": "mace",
        "label": "mace",
    }


def test_the_setting_refuses_unknown_controls_and_methods_naming_them(client: TestClient) -> None:
    pid = make_project(client, CONFIG)
    for body, named in (
        ({"aggregation": {"nosuch": "ds"}}, "nosuch"),
        ({"aggregation": {"sentiment": "best"}}, "best"),
        ({"aggregation": ["ds"]}, "aggregation"),
    ):
        r = client.patch(f"/api/projects/{pid}", json=body)
        assert r.status_code == 400, r.text
        assert named in r.json()["detail"] and "aggregation" in r.json()["validation_errors"]
    assert client.get(f"/api/projects/{pid}").json()["aggregation"] == {}
    bad = client.post(
        "/api/projects", json={"title": "t", "label_config": CONFIG, "aggregation": {"x": "ds"}}
    )
    assert bad.status_code == 400 and "'x'" in bad.json()["detail"]
    r = client.post(f"/api/projects/{pid}/aggregate", json={"method": "best"})
    assert r.status_code == 400 and "method" in r.json()["validation_errors"]


def test_consensus_on_tasks_is_hidden_from_annotators_of_a_blind_project(
    client: TestClient, db: Session
) -> None:
    crowd = _crowd(client, db)  # overlap 3: blind by default
    _aggregate(client, crowd.pid)
    first = crowd.tasks[0]
    mine = client.get(f"/api/tasks/{first}").json()
    assert {c["control"] for c in mine["consensus"]} == {"label", "sentiment"}
    entry = next(c for c in mine["consensus"] if c["control"] == "sentiment")
    assert set(entry) == {"control", "result", "confidence", "method"} and entry["method"] == "ds"
    page = client.get("/api/tasks", params={"project": crowd.pid}).json()["tasks"]
    assert all("consensus" in t for t in page)
    assert client.get(f"/api/tasks/{first}/editor").json()["task"]["consensus"] == mine["consensus"]

    annotator = crowd.headers[0]
    r = client.get(f"/api/tasks/{first}", headers=annotator)
    assert r.status_code == 200 and "consensus" not in r.json()
    r = client.get(f"/api/tasks/{first}/editor", headers=annotator)
    assert r.status_code == 200 and "consensus" not in r.json()["task"]

    member(db, crowd.pid, "rev@example.com", "reviewer", token="rev-token-0123456789")
    review = client.get(
        f"/api/projects/{crowd.pid}/next-review", headers={"Authorization": "Token rev-token-0123456789"}
    )
    assert review.status_code == 200, review.text
    shown = client.get(f"/api/tasks/{review.json()['task']['id']}").json()["consensus"]
    assert review.json()["task"]["consensus"] == shown  # reviewers see it in the review screen

    assert client.patch(f"/api/projects/{crowd.pid}", json={"blind": False}).status_code == 200
    r = client.get(f"/api/tasks/{first}", headers=annotator)
    assert r.json()["consensus"] == mine["consensus"]


def test_the_aggregated_export_gives_the_consensus_and_its_confidence(
    client: TestClient, db: Session
) -> None:
    crowd = _crowd(client, db)
    _aggregate(client, crowd.pid)
    stored = client.get(f"/api/tasks/{crowd.tasks[3]}").json()["consensus"]
    sentiment = next(c for c in stored if c["control"] == "sentiment")

    full = orjson.loads(
        client.get(f"/api/projects/{crowd.pid}/export", params={"exportType": "JSON"}).content
    )
    task = next(t for t in full if t["id"] == crowd.tasks[3])
    assert task["consensus"] == [
        {
            "control": "sentiment",
            "result": sentiment["result"],
            "score": sentiment["confidence"],
            "method": "ds",
        }
    ]
    assert len(task["annotations"]) == 3

    r = client.get(
        f"/api/projects/{crowd.pid}/export", params={"exportType": "CSV", "annotations": "aggregated"}
    )
    assert r.status_code == 200, r.text
    rows = {int(row["id"]): row for row in csv.DictReader(io.StringIO(r.text))}
    assert len(rows) == len(ANSWERS)  # one row per task: its consensus, not its three annotations
    assert rows[crowd.tasks[3]]["sentiment"] == sentiment["result"][0]["value"]["choices"][0]
    assert abs(float(rows[crowd.tasks[3]]["confidence"]) - sentiment["confidence"]) < 1e-9
    first = client.get(f"/api/tasks/{crowd.tasks[0]}").json()["consensus"]
    lowest = min(c["confidence"] for c in first)
    assert abs(float(rows[crowd.tasks[0]]["confidence"]) - lowest) < 1e-9
    assert rows[crowd.tasks[0]]["annotator"] == ""


def test_skills_show_on_the_dashboard(client: TestClient, db: Session) -> None:
    crowd = _crowd(client, db)
    before = client.get(f"/api/projects/{crowd.pid}/stats").json()["annotators"]
    assert all(a["skill"] is None and a["gold_accuracy"] is None for a in before)
    _aggregate(client, crowd.pid)
    after = {a["user"]["id"]: a for a in client.get(f"/api/projects/{crowd.pid}/stats").json()["annotators"]}
    db.rollback()
    stored = db.scalars(select(AnnotatorSkill).where(AnnotatorSkill.project_id == crowd.pid)).all()
    for uid in crowd.users:
        mine = [s for s in stored if s.user_id == uid]
        weighted = sum((s.skill or 0) * s.n for s in mine) / sum(s.n for s in mine)
        assert abs(after[uid]["skill"] - round(weighted, 4)) < 1e-9
        assert after[uid]["gold_accuracy"] is None
    with TestClient(client.app) as browser:
        login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        assert browser.post("/api/auth/login", json=login).status_code == 200
        page = browser.get(f"/projects/{crowd.pid}/dashboard")
        assert page.status_code == 200
        assert ">Skill</th>" in page.text and "Gold accuracy" not in page.text
        cell = f'<td class="num" data-testid="skill">{100 * after[crowd.users[0]]["skill"]:.0f}%</td>'
        assert cell in page.text
        # The settings page offers a method per control, the default marked.
        settings = browser.get(f"/projects/{crowd.pid}/settings").text
        assert 'data-control="sentiment" data-default="ds"' in settings
        assert 'data-control="label" data-default="span"' in settings and "Aggregate now" in settings
        assert '<option value="span" selected>Token vote of spans (default)</option>' in settings


def test_gold_accuracy_survives_a_rerun_and_shows_on_the_dashboard(client: TestClient, db: Session) -> None:
    crowd = _crowd(client, db)
    _aggregate(client, crowd.pid)
    # What the gold-task service records: accuracy for one annotator's control, and for a control not aggregated.
    db.rollback()
    sentiment = db.scalars(
        select(AnnotatorSkill).where(
            AnnotatorSkill.project_id == crowd.pid,
            AnnotatorSkill.user_id == crowd.users[2],
            AnnotatorSkill.control == "sentiment",
        )
    ).one()
    sentiment.gold_accuracy = 0.25
    db.add(
        AnnotatorSkill(project_id=crowd.pid, user_id=crowd.users[1], control="other", gold_accuracy=0.75, n=0)
    )
    db.commit()
    _aggregate(client, crowd.pid)
    db.rollback()
    kept = {
        (s.user_id, s.control): s
        for s in db.scalars(select(AnnotatorSkill).where(AnnotatorSkill.project_id == crowd.pid))
    }
    assert kept[(crowd.users[2], "sentiment")].gold_accuracy == 0.25
    assert kept[(crowd.users[2], "sentiment")].skill is not None
    assert (
        kept[(crowd.users[1], "other")].gold_accuracy == 0.75
        and kept[(crowd.users[1], "other")].skill is None
    )
    people = {a["user"]["id"]: a for a in client.get(f"/api/projects/{crowd.pid}/stats").json()["annotators"]}
    assert people[crowd.users[2]]["gold_accuracy"] == 0.25 and people[crowd.users[0]]["gold_accuracy"] is None
    with TestClient(client.app) as browser:
        login = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        assert browser.post("/api/auth/login", json=login).status_code == 200
        page = browser.get(f"/projects/{crowd.pid}/dashboard").text
        assert ">Gold accuracy</th>" in page and '<td class="num">25%</td>' in page


def test_one_aggregation_at_a_time_per_project(database: Database, admin: User) -> None:
    # No runner here (no app): the first job stays queued, so the second request meets it.
    with database.sessionmaker() as db:
        user = db.get(User, admin.id)
        assert user is not None
        project = projects.create(db, user, {"title": "t", "label_config": CONFIG})
        first = consensus.submit(db, project, user)
        with pytest.raises(Conflict, match=f"job {first.id}"):
            consensus.submit(db, project, user)
