"""`labelwise predict PROJECT --model NAME` against a real ML backend: a run with a progress bar, and the
resumption of a run that was left queued."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from labelwise.app import create_app
from labelwise.cli import app as cli
from labelwise.db.models import Prediction
from labelwise.db.runtime import Database
from labelwise.settings import Settings, get_settings
from tests.api.test_projects import TEXT_CONFIG
from tests.conftest import ADMIN_TOKEN
from tests.support import ml_backend


@pytest.fixture
def settings(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("LABELWISE_DATABASE_URL", database_url)
    monkeypatch.setenv("LABELWISE_SSRF_ALLOW_HOSTS", "127.0.0.1")
    yield Settings(data_dir=tmp_path / "d", database_url=database_url, ssrf_allow_hosts="127.0.0.1")
    get_settings.cache_clear()
    os.environ.pop("LABELWISE_DATA_DIR", None)


def run(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(settings.data_dir)])
    return result.exit_code, result.output


def setup(
    settings: Settings, database: Database, url: str
) -> tuple[TestClient, int, list[int], dict[str, Any]]:
    client = TestClient(create_app(settings, database), headers={"Authorization": f"Token {ADMIN_TOKEN}"})
    pid = client.post("/api/projects", json={"title": "p", "label_config": TEXT_CONFIG}).json()["id"]
    imported = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1",
        json=[{"text": "good"}, {"text": "no"}, {"text": "good!"}],
    )
    ml = client.post("/api/ml", json={"project": pid, "url": url, "title": "keywords"}).json()
    assert ml["state"] == "CO", ml
    return client, pid, imported.json()["task_ids"], ml


def test_predict_command_runs_a_connection_by_title(
    settings: Settings, database: Database, admin: Any
) -> None:
    with ml_backend.running() as server:
        _, pid, tids, _ = setup(settings, database, server.url)
        code, out = run(settings, "predict", str(pid), "--model", "keywords")
        assert code == 0, out
        assert "predicted 3 of 3 tasks" in out
        code, out = run(settings, "predict", str(pid), "--model", "nobody")
        assert code == 1 and "no connection is called 'nobody'" in out
    with database.sessionmaker() as db:
        stored = db.execute(
            select(Prediction.task_id, Prediction.model_version).where(Prediction.project_id == pid)
        ).all()
    assert sorted(stored) == [(t, "ml-test-1") for t in tids]


def test_predict_command_resumes_a_queued_run(settings: Settings, database: Database, admin: Any) -> None:
    with ml_backend.running() as server:
        client, pid, tids, ml = setup(settings, database, server.url)
        # Queued by the API while no runner runs (the client has no lifespan): the command takes it over.
        job = client.post(f"/api/ml/{ml['id']}/predict", json={"tasks": tids[:2]}).json()["job"]
        code, out = run(settings, "predict", str(pid), "--model", str(ml["id"]))
        assert code == 0, out
        assert f"resuming run {job['id']}" in out and "predicted 2 of 2 tasks" in out
        assert client.get(f"/api/ml/{ml['id']}/jobs/{job['id']}").json()["status"] == "completed"
