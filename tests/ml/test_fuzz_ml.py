"""Random JSON to the `/api/ml` write endpoints: never a 5xx, always a JSON answer with an expected status,
and a 400 says what is wrong. URLs are either hostile text or addresses the guard refuses, so nothing here
leaves the machine (the one stored connection points at a closed loopback port, which the allowlist lets
through and nobody answers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from labelwise.settings import Settings
from tests.api.test_fuzz_helpers import (
    FUZZ,
    bodies_with,
    check_response,
    ids,
    import_tasks,
    json_values,
    make_project,
    send_json,
    texts,
)
from tests.support.postgres import free_port

URLS = st.one_of(
    texts, st.just("http://10.0.0.1/x"), st.just("ftp://example.com"), st.just("http://169.254.169.254")
)
ML_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "project": ids,
    "title": texts,
    "description": json_values,
    "url": URLS,
    "type": st.one_of(texts, st.sampled_from(["remote", "builtin", "llm"])),
    "timeout": json_values,
    "is_interactive": json_values,
    "auth_method": st.one_of(texts, st.sampled_from(["NONE", "BASIC_AUTH"])),
    "basic_auth_user": json_values,
    "basic_auth_pass": json_values,
    "extra_params": st.one_of(
        json_values, st.fixed_dictionaries({}, optional={"api_key": json_values, "model": texts})
    ),
    "model_version": json_values,
}
SELECTION_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "tasks": json_values,
    "selectedItems": st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"all": st.booleans()}, optional={"included": json_values, "excluded": json_values}
        ),
    ),
    "filters": json_values,
    "view": json_values,
}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, ssrf_allow_hosts="127.0.0.1")


@pytest.fixture
def target(client: TestClient) -> dict[str, int]:
    pid = make_project(client)
    (tid,) = import_tasks(client, pid, [{"text": "hello"}])
    r = client.post("/api/ml", json={"project": pid, "url": f"http://127.0.0.1:{free_port()}"})
    assert r.status_code == 201 and r.json()["state"] == "ER", r.text
    return {"project": pid, "task": tid, "ml": r.json()["id"]}


def test_fuzz_create(client: TestClient, target: dict[str, int]) -> None:
    @FUZZ
    @given(bodies_with(ML_FIELDS))
    def run(body: Any) -> None:
        check_response(send_json(client, "POST", "/api/ml", body))

    run()


def test_fuzz_update(client: TestClient, target: dict[str, int]) -> None:
    fields = {k: v for k, v in ML_FIELDS.items() if k not in ("project", "url")}

    @FUZZ
    @given(bodies_with(fields))
    def run(body: Any) -> None:
        check_response(send_json(client, "PATCH", f"/api/ml/{target['ml']}", body))

    run()


def test_fuzz_predict_and_interactive(client: TestClient, target: dict[str, int]) -> None:
    @FUZZ
    @given(
        bodies_with(SELECTION_FIELDS),
        bodies_with({"task": st.one_of(ids, st.just(target["task"])), "context": json_values}),
    )
    def run(selection: Any, one: Any) -> None:
        check_response(send_json(client, "POST", f"/api/ml/{target['ml']}/predict", selection))
        check_response(send_json(client, "POST", f"/api/ml/{target['ml']}/interactive-annotating", one))

    run()
