"""Building an LLM model against the scripted server (allowed through the SSRF guard for 127.0.0.1), and a
project with gold tasks and two annotators."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from labelwise.ml.contract import ProjectView
from labelwise.ml.llm import LlmModel
from labelwise.ml.llm.client import Retry
from labelwise.storage import fetch
from tests.api.test_tasks_and_import import make_project
from tests.support.openai_server import Answer, OpenAIServer
from tests.support.people import member

CHOICES = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/>'
    '<Choice value="Neutral"/></Choices></View>'
)
FAST = Retry(attempts=4, base=0.01, cap=0.05)


def policy(timeout: float = 5.0) -> fetch.Policy:
    return fetch.Policy(allow=("127.0.0.1",), timeout=timeout)


def make_model(
    server: OpenAIServer,
    config: str = CHOICES,
    prompt: str = "Classify: {text}\nOptions: {labels}",
    settings: dict[str, Any] | None = None,
    **params: Any,
) -> LlmModel:
    extra = {"model": "test-model", "prompt": prompt, "api_key": "sk-test-123", **params}
    given = {"timeout": 5.0, "policy": policy(), "retry": FAST, **(settings or {})}
    return LlmModel(ProjectView(1, config, "p", extra), server.url, given)


def by_text(body: dict[str, Any]) -> Answer:
    text = body["messages"][-1]["content"]
    return Answer(
        content=json.dumps({"sentiment": "Negative" if "hate" in text else "Positive"}), usage=(50, 10)
    )


def sentiment(value: str) -> list[dict[str, Any]]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def gold_project(client: TestClient, db: Session) -> tuple[int, list[int]]:
    """Three gold tasks and one plain task; two annotators besides the owner's ground truth."""
    pid = make_project(client, CHOICES)
    texts = ["I love it", "I hate it", "It is fine", "Not gold at all"]
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": t} for t in texts])
    ids = list(r.json()["task_ids"])
    a1 = member(db, pid, "a1@example.com", token="a1-token-0123456789")
    a2 = member(db, pid, "a2@example.com", token="a2-token-0123456789")
    db.commit()
    votes = {
        ids[0]: ("Positive", "Positive", "Positive"),
        ids[1]: ("Negative", "Negative", "Positive"),
        ids[2]: ("Neutral", "Neutral", "Neutral"),
        ids[3]: (None, "Positive", None),
    }
    for task, (truth, first, second) in votes.items():
        if truth is not None:
            body = {"result": sentiment(truth), "ground_truth": True}
            assert client.post(f"/api/tasks/{task}/annotations", json=body).status_code == 201
        for token, value in ((a1.token, first), (a2.token, second)):
            if value is not None:
                r = client.post(
                    f"/api/tasks/{task}/annotations", json={"result": sentiment(value)}, headers=_auth(token)
                )
                assert r.status_code == 201, r.text
    return pid, ids
