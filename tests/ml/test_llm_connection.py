"""An LLM stored as a model connection (`/api/ml`, `type: llm`), against a real local server speaking the
OpenAI chat-completions protocol: pre-annotation through the jobs runner, evaluation on gold tasks through
`/api/ml/{id}/evaluate`, and the reply cache that makes a re-run free."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Annotation, MLBackend, Prediction, User
from labelwise.db.runtime import Database
from labelwise.settings import Settings
from tests.ml.llm.helpers import by_text, gold_project
from tests.ml.test_connections import finished_run
from tests.support.openai_server import OpenAIServer, running


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, ssrf_allow_hosts="127.0.0.1")


@pytest.fixture
def llm_server() -> Iterator[OpenAIServer]:
    with running() as server:
        server.answer = by_text
        yield server


def _connect(client: TestClient, pid: int, url: str) -> dict[str, object]:
    params = {"model": "test-model", "prompt": "Classify: {text}", "api_key": "sk-live-1"}
    r = client.post(
        "/api/ml", json={"project": pid, "title": "gpt", "type": "llm", "url": url, "extra_params": params}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_an_llm_connection_pre_annotates_and_a_rerun_costs_nothing(
    client: TestClient, db: Session, database: Database, llm_server: OpenAIServer
) -> None:
    pid, tids = gold_project(client, db)
    ml = _connect(client, pid, llm_server.url)
    assert ml["state"] == "CO", ml
    assert "sk-live-1" not in str(ml)
    sent_before = len(llm_server.chats())
    job = client.post(f"/api/ml/{ml['id']}/predict", json={}).json()["job"]
    done = finished_run(client, int(str(ml["id"])), job["id"])
    assert done["status"] == "completed", done
    with database.sessionmaker() as s:
        preds = s.scalars(
            select(Prediction).where(Prediction.project_id == pid).order_by(Prediction.task_id)
        ).all()
        assert [p.task_id for p in preds] == tids
        assert [p.result[0]["value"]["choices"] for p in preds] == [
            ["Positive"],
            ["Negative"],
            ["Positive"],
            ["Positive"],
        ]
        assert {p.model_version.split("@")[0] for p in preds} == {"test-model"}
    chats = llm_server.chats()[sent_before:]
    assert len(chats) == len(tids)
    assert {c.headers["Authorization"] for c in chats} == {"Bearer sk-live-1"}
    # The same run again: every reply comes from the cache, the server hears nothing.
    job = client.post(f"/api/ml/{ml['id']}/predict", json={}).json()["job"]
    assert finished_run(client, int(str(ml["id"])), job["id"])["status"] == "completed"
    assert len(llm_server.chats()) == sent_before + len(tids)


def test_evaluating_a_stored_connection_on_gold_tasks(
    client: TestClient, db: Session, llm_server: OpenAIServer
) -> None:
    pid, _ = gold_project(client, db)
    ml = _connect(client, pid, llm_server.url)
    r = client.post(f"/api/ml/{ml['id']}/evaluate")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["tasks"] == 3
    # The scripted model says Positive unless "hate": right on 2 of the 3 gold answers (not on "Neutral").
    assert body["metrics"]["controls"]["sentiment"]["accuracy"] == pytest.approx(2 / 3)
    listed = client.get(f"/api/projects/{pid}/prompts/evaluations").json()
    assert [e["id"] for e in listed] == [body["id"]]
    assert listed[0]["connection"] == ml["id"]
    assert listed[0]["prompt"] == "Classify: {text}"


def test_a_connection_labels_as_a_virtual_member_whose_answers_are_annotations(
    client: TestClient, db: Session, database: Database, llm_server: OpenAIServer
) -> None:
    pid, tids = gold_project(client, db)
    ml = _connect(client, pid, llm_server.url)
    ml_id = int(str(ml["id"]))
    r = client.post(f"/api/ml/{ml_id}/predict", json={"as_annotations": True, "tasks": tids[:2]})
    assert r.status_code == 200, r.text
    done = finished_run(client, ml_id, r.json()["job"]["id"])
    assert done["status"] == "completed" and done["result"]["annotated"] == 2, done
    members = client.get(f"/api/projects/{pid}/members").json()
    emails = [m["user"]["email"] if isinstance(m.get("user"), dict) else m.get("email") for m in members]
    assert f"llm-{ml_id}@models.labelwise" in emails
    with database.sessionmaker() as s:
        rows = s.execute(
            select(Annotation.task_id, User.email)
            .join(User, User.id == Annotation.completed_by_id)
            .where(Annotation.project_id == pid, User.email.like("llm-%"))
            .order_by(Annotation.task_id)
        ).all()
    assert [(t, e) for t, e in rows] == [
        (tids[0], f"llm-{ml_id}@models.labelwise"),
        (tids[1], f"llm-{ml_id}@models.labelwise"),
    ]
    # Asked again, the member does not annotate a task twice.
    again = client.post(f"/api/ml/{ml_id}/predict", json={"as_annotations": True, "tasks": tids[:2]})
    assert finished_run(client, ml_id, again.json()["job"]["id"])["result"]["annotated"] == 0


def test_saving_a_new_prompt_with_the_masked_key_keeps_the_stored_key(
    client: TestClient, db: Session, database: Database, llm_server: OpenAIServer
) -> None:
    """What the Models page's "Save prompt" sends: the extra_params it read (the key as its mask) with the
    new prompt. The key is never shown, stays sealed, and is what the next evaluation authenticates with."""
    pid, _ = gold_project(client, db)
    ml = _connect(client, pid, llm_server.url)
    shown = client.get(f"/api/ml/{ml['id']}").json()
    assert shown["extra_params"]["api_key"] == "********" and "sk-live-1" not in str(shown)
    body = {"extra_params": {**shown["extra_params"], "prompt": "Sentiment of: {text}", "few_shot": 0}}
    saved = client.patch(f"/api/ml/{ml['id']}", json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["state"] == "CO", saved.json()
    assert saved.json()["extra_params"] == {
        "model": "test-model",
        "prompt": "Sentiment of: {text}",
        "api_key": "********",
        "few_shot": 0,
    }
    with database.sessionmaker() as s:
        row = s.get(MLBackend, ml["id"])
        assert row is not None and "sk-live-1" not in str(row.extra_params)
    sent_before = len(llm_server.chats())
    r = client.post(f"/api/ml/{ml['id']}/evaluate")
    assert r.status_code == 201, r.text
    assert r.json()["prompt"] == "Sentiment of: {text}"
    chats = llm_server.chats()[sent_before:]
    assert len(chats) == 3
    assert {c.headers["Authorization"] for c in chats} == {"Bearer sk-live-1"}
    assert all(c.body["messages"][-1]["content"].startswith("Sentiment of: ") for c in chats)
