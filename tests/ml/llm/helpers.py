"""Building an LLM model against the scripted server, allowed through the SSRF guard for 127.0.0.1."""

from __future__ import annotations

from typing import Any

from labelwise.ml.contract import ProjectView
from labelwise.ml.llm import LlmModel
from labelwise.ml.llm.client import Retry
from labelwise.storage import fetch
from tests.support.openai_server import OpenAIServer

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
