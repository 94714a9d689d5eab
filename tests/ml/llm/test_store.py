"""The database side of the llm kind, on SQLite and PostgreSQL: the reply cache, prompt evaluation on gold
tasks, and the LLM as a virtual project member whose answers are annotations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Annotation, LlmCache, ProjectMember, PromptEvaluation, User
from labelwise.db.runtime import Database
from labelwise.ml import member as model_member
from labelwise.ml.llm import evaluation
from labelwise.ml.llm.cache import SqlCache
from labelwise.services import projects, users
from labelwise.settings import Settings
from tests.ml.llm.helpers import CHOICES, by_text, gold_project, make_model
from tests.support.openai_server import Answer, OpenAIServer


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, ssrf_allow_hosts="127.0.0.1")


def test_cache_hit_on_re_run_sends_nothing(database: Database, llm_server: OpenAIServer) -> None:
    llm_server.answer = by_text
    cache = SqlCache.of(database)
    tasks = [{"id": 1, "data": {"text": "I love it"}}, {"id": 2, "data": {"text": "I hate it"}}]
    first = make_model(llm_server, settings={"cache": cache}).predict(tasks)
    assert [(p.cached, p.tokens) for p in first] == [(False, 60), (False, 60)]
    assert len(llm_server.chats()) == 2
    again = make_model(llm_server, settings={"cache": cache})
    second = again.predict(tasks)
    assert len(llm_server.chats()) == 2  # nothing sent
    assert [(p.cached, p.tokens, p.cost) for p in second] == [(True, 0, 0.0), (True, 0, 0.0)]
    assert [p.result[0]["value"] for p in second] == [p.result[0]["value"] for p in first]
    assert (again.report.cached, again.report.tokens) == (2, 0)
    with database.sessionmaker() as s:
        assert len(s.scalars(select(LlmCache)).all()) == 2
    # Another prompt is another key.
    make_model(llm_server, prompt="Label: {text}", settings={"cache": cache}).predict(tasks[:1])
    assert len(llm_server.chats()) == 3


def test_unparsable_replies_are_not_cached(database: Database, llm_server: OpenAIServer) -> None:
    llm_server.script(Answer(content="no idea"), Answer(content='{"sentiment": "Positive"}'))
    cache = SqlCache.of(database)
    tasks = [{"id": 1, "data": {"text": "x"}}]
    assert make_model(llm_server, settings={"cache": cache}).predict(tasks) == []
    [proposal] = make_model(llm_server, settings={"cache": cache}).predict(tasks)
    assert proposal.cached is False and len(llm_server.chats()) == 2


def test_evaluation_on_gold_tasks_against_truth_and_consensus(
    client: TestClient, db: Session, llm_server: OpenAIServer, admin: User
) -> None:
    pid, _ids = gold_project(client, db)
    llm_server.answer = by_text
    project = projects.get(db, pid)
    row = evaluation.evaluate(db, project, make_model(llm_server, config=CHOICES), user=admin, prompt="p")
    assert row.tasks == 3 and row.failures == 0 and row.tokens == 180
    sent = sorted(r.body["messages"][-1]["content"] for r in llm_server.chats())
    assert [s.split("\n")[0] for s in sent] == [
        "Classify: I hate it",
        "Classify: I love it",
        "Classify: It is fine",
    ]
    metrics = row.metrics["controls"]["sentiment"]
    # Model: Positive, Negative, Positive. Truth: Positive, Negative, Neutral. Consensus: the same as truth.
    assert metrics["gold"] == 3 and metrics["answered"] == 3
    assert metrics["accuracy"] == pytest.approx(2 / 3)
    assert metrics["consensus_tasks"] == 3
    assert metrics["consensus_agreement"] == pytest.approx(2 / 3)
    expected = cohen_kappa_score(["Positive", "Negative", "Positive"], ["Positive", "Negative", "Neutral"])
    assert metrics["consensus_kappa"] == pytest.approx(expected)
    stored = db.scalars(select(PromptEvaluation).where(PromptEvaluation.project_id == pid)).all()
    assert [r.model_version for r in stored] == [row.model_version]


def test_few_shot_gold_tasks_are_not_evaluated(
    client: TestClient, db: Session, llm_server: OpenAIServer
) -> None:
    pid, ids = gold_project(client, db)
    llm_server.answer = by_text
    examples = evaluation.gold_examples(db, pid, 1)
    assert [e.task["id"] for e in examples] == [ids[0]] and examples[0].ground_truth
    model = make_model(llm_server, few_shot=1, settings={"examples": examples})
    row = evaluation.evaluate(db, projects.get(db, pid), model)
    assert row.tasks == 2
    assert row.metrics["excluded_few_shot"] == [ids[0]]
    messages = llm_server.chats()[0].body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert json.loads(messages[2]["content"]) == {"sentiment": "Positive"}


def test_llm_as_annotator_writes_annotations_by_its_member(
    client: TestClient, db: Session, llm_server: OpenAIServer, admin: User
) -> None:
    pid, ids = gold_project(client, db)
    llm_server.answer = by_text
    project = projects.get(db, pid)
    vuser = model_member.ensure_member(db, project, users.get(db, admin.id), 42, "GPT labeler")
    assert vuser.email == "llm-42@models.labelwise" and vuser.role == "annotator"
    assert users.verify_password(vuser, "") is False and users.verify_password(vuser, "anything") is False
    roles = db.scalars(select(ProjectMember.role).where(ProjectMember.user_id == vuser.id)).all()
    assert roles == ["annotator"]
    tasks = [
        {"id": i, "data": {"text": t}}
        for i, t in zip(ids, ["I love it", "I hate it", "It is fine", "Not gold"], strict=True)
    ]
    outcome = model_member.annotate_as_member(db, project, make_model(llm_server), tasks, vuser)
    assert len(outcome.annotated) == 4 and outcome.failed == {}
    rows = db.execute(
        select(Annotation.task_id, Annotation.result)
        .where(Annotation.completed_by_id == vuser.id)
        .order_by(Annotation.task_id)
    ).all()
    assert [(t, r[0]["value"]["choices"]) for t, r in rows] == [
        (ids[0], ["Positive"]),
        (ids[1], ["Negative"]),
        (ids[2], ["Positive"]),
        (ids[3], ["Positive"]),
    ]
    # The API lists them like anyone's annotations, counted on the task.
    listed = client.get(f"/api/tasks/{ids[3]}/annotations").json()
    assert sorted(a["completed_by"] for a in listed) == sorted(
        [vuser.id, users.by_email(db, "a1@example.com").id]
    )  # type: ignore[union-attr]
    assert client.get(f"/api/tasks/{ids[3]}").json()["total_annotations"] == 2
    # The quality engine scores it like a person: its agreement with a1 is 3 of 4 tasks.
    iaa = client.get(f"/api/projects/{pid}/stats/IAA").json()
    emails = [u["email"] for u in iaa["users"]]
    me, other = emails.index("llm-42@models.labelwise"), emails.index("a1@example.com")
    assert iaa["IAA"][me][other] == 0.75 and iaa["common_tasks"][me][other] == 4
    # A re-run adds nothing twice, and the same member is found again.
    again = model_member.ensure_member(db, project, users.get(db, admin.id), 42)
    assert again.id == vuser.id
    second = model_member.annotate_as_member(db, project, make_model(llm_server), tasks, again)
    assert second.annotated == [] and second.skipped == ids
    assert len(llm_server.chats()) == 4
    # Model members are not part of the human consensus an evaluation compares with.
    gold = evaluation.gold_tasks(db, pid)
    assert all(a["completed_by"] != vuser.id for t in gold for a in t["annotations"])
