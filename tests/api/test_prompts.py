"""The prompts API: a preview of the messages on a sample task, evaluations on gold tasks side by side."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from labelwise.settings import Settings
from tests.ml.llm.helpers import CHOICES, by_text, gold_project
from tests.support.openai_server import Answer, OpenAIServer, running


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, ssrf_allow_hosts="127.0.0.1")


@pytest.fixture
def llm_server() -> Iterator[OpenAIServer]:
    with running() as server:
        yield server


def _params(**extra: Any) -> dict[str, Any]:
    return {"model": "test-model", "prompt": "Classify: {text}", "api_key": "sk-x", **extra}


def test_preview_renders_the_first_task_or_given_data(client: TestClient) -> None:
    r = client.post("/api/projects", json={"title": "p", "label_config": CHOICES})
    pid = r.json()["id"]
    # No task yet: a sample task for the config.
    r = client.post(f"/api/projects/{pid}/prompts/preview", json={"prompt": "Text: {text}. {labels}"})
    assert r.status_code == 200, r.text
    assert r.json()["messages"][-1]["content"].endswith(". Positive, Negative, Neutral")
    client.post(f"/api/projects/{pid}/import", json=[{"text": "first one"}])
    r = client.post(f"/api/projects/{pid}/prompts/preview", json={"prompt": "Text: {text}"})
    assert r.json()["messages"][-1] == {"role": "user", "content": "Text: first one"}
    assert r.json()["messages"][0]["role"] == "system"
    r = client.post(
        f"/api/projects/{pid}/prompts/preview",
        json={"prompt": "{text} / {meta.src}", "data": {"text": "t", "meta": {"src": "web"}}},
    )
    assert r.json()["messages"][-1]["content"] == "t / web"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"prompt": "Classify {title}"}, "prompt", "{title}: unknown placeholder"),
        ({"prompt": 3}, "prompt", "must be a string"),
        ({"prompt": "{text}", "few_shot": -1}, "few_shot", "0 to 20"),
        ({"prompt": "{text}", "data": [1]}, "data", "must be an object"),
    ],
)
def test_preview_refuses_bad_input_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str, words: str
) -> None:
    pid = client.post("/api/projects", json={"title": "p", "label_config": CHOICES}).json()["id"]
    r = client.post(f"/api/projects/{pid}/prompts/preview", json=body)
    assert r.status_code == 400, r.text
    assert words in r.json()["detail"]
    assert field in r.json()["validation_errors"]


def test_evaluate_and_list_versions_side_by_side(
    client: TestClient, db: Session, llm_server: OpenAIServer
) -> None:
    pid, _ = gold_project(client, db)
    llm_server.answer = by_text
    first = client.post(
        f"/api/projects/{pid}/prompts/evaluate", json={"url": llm_server.url, "extra_params": _params()}
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["tasks"] == 3 and body["tokens"] == 180
    assert body["metrics"]["controls"]["sentiment"]["accuracy"] == pytest.approx(2 / 3)
    assert body["report"]["tokens"] == 180
    assert llm_server.chats()[0].headers["Authorization"] == "Bearer sk-x"
    # A second version, few-shot; the first version's replies are cached (no new requests for it).
    second = client.post(
        f"/api/projects/{pid}/prompts/evaluate",
        json={"url": llm_server.url, "extra_params": _params(prompt="Sentiment of: {text}", few_shot=1)},
    )
    assert second.status_code == 201, second.text
    assert second.json()["tasks"] == 2
    again = client.post(
        f"/api/projects/{pid}/prompts/evaluate", json={"url": llm_server.url, "extra_params": _params()}
    )
    assert again.json()["tokens"] == 0 and again.json()["report"]["cached"] == 3
    assert len(llm_server.chats()) == 5
    listed = client.get(f"/api/projects/{pid}/prompts/evaluations").json()
    assert [e["id"] for e in listed] == [again.json()["id"], second.json()["id"], body["id"]]
    assert listed[0]["model_version"] == listed[2]["model_version"] != listed[1]["model_version"]
    assert "api_key" not in json.dumps(listed)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"extra_params": _params()}, "url"),
        ({"url": "http://169.254.169.254/v1", "extra_params": _params()}, "url"),
        ({"url": "SERVER", "extra_params": {"prompt": "{text}"}}, "extra_params.model"),
        ({"url": "SERVER", "extra_params": _params(prompt="{nope}")}, "extra_params.prompt"),
        ({"url": "SERVER", "extra_params": _params(temperature=9)}, "extra_params.temperature"),
        ({"url": "SERVER", "extra_params": "x"}, "extra_params"),
    ],
)
def test_evaluate_refuses_bad_input_naming_the_field(
    client: TestClient, llm_server: OpenAIServer, body: dict[str, Any], field: str
) -> None:
    pid = client.post("/api/projects", json={"title": "p", "label_config": CHOICES}).json()["id"]
    if body.get("url") == "SERVER":
        body = {**body, "url": llm_server.url}
    r = client.post(f"/api/projects/{pid}/prompts/evaluate", json=body)
    assert r.status_code == 400, r.text
    assert field in r.json()["validation_errors"]
    assert llm_server.chats() == []


def test_a_refused_key_is_a_400_naming_api_key(
    client: TestClient, db: Session, llm_server: OpenAIServer
) -> None:
    pid, _ = gold_project(client, db)
    llm_server.answer = lambda body: Answer(status=401, body={"error": {"message": "bad key"}})
    r = client.post(
        f"/api/projects/{pid}/prompts/evaluate", json={"url": llm_server.url, "extra_params": _params()}
    )
    assert r.status_code == 400, r.text
    assert "api_key" in r.json()["validation_errors"]
    assert client.get(f"/api/projects/{pid}/prompts/evaluations").json() == []
