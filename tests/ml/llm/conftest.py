from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.openai_server import OpenAIServer, running


@pytest.fixture
def llm_server() -> Iterator[OpenAIServer]:
    with running() as server:
        yield server
