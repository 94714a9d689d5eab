"""The remote kind on its own, over real HTTP to a real backend process: timeouts and errors become
ModelError with a clear message; a pre-annotation run stopped by a restart resumes from its checkpoint."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from labelwise import jobs
from labelwise.db.models import Prediction
from labelwise.db.runtime import Database
from labelwise.ml import kinds
from labelwise.ml.contract import ModelError, ProjectView
from labelwise.settings import Settings
from labelwise.storage import fetch
from tests.api.test_projects import TEXT_CONFIG
from tests.conftest import ADMIN_TOKEN
from tests.support import ml_backend
from tests.support.postgres import free_port

ALLOW = fetch.Policy(allow=("127.0.0.1",))
PROJECT = ProjectView(1, TEXT_CONFIG, "p")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, ssrf_allow_hosts="127.0.0.1")


def wait_for(check: Callable[[], Any], seconds: float = 60.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached before the deadline")


def remote(url: str, **settings: Any) -> Any:
    return kinds.factory("remote")(PROJECT, url, {"policy": ALLOW, **settings})


def test_a_slow_backend_is_a_model_error_naming_the_timeout() -> None:
    with ml_backend.running(ML_DELAY="3") as slow:
        model = remote(slow.url, timeout=0.5)
        model.health()  # answers at once
        with pytest.raises(ModelError, match=r"no answer within the timeout of 0\.5 s"):
            model.predict([{"id": 1, "data": {"text": "good"}}])


def test_refused_connections_and_ssrf_refusals_are_model_errors() -> None:
    with pytest.raises(ModelError, match="connection refused"):
        remote(f"http://127.0.0.1:{free_port()}").health()
    guarded = kinds.factory("remote")(PROJECT, "http://127.0.0.1:9", {"policy": fetch.Policy()})
    with pytest.raises(ModelError, match=r"loopback address.*LABELWISE_SSRF_ALLOW_HOSTS"):
        guarded.health()


def test_the_protocol_round_trip_with_basic_auth() -> None:
    with ml_backend.running(BASIC_AUTH_USER="u", BASIC_AUTH_PASS="p") as locked:
        with pytest.raises(ModelError, match="401"):
            remote(locked.url).health()
        model = remote(locked.url, basic_auth=("u", "p"), project_uid="1.1700000000")
        model.health()
        assert model.setup() == "ml-test-1"
        proposals = model.predict([{"id": 7, "data": {"text": "good"}}, {"id": 8, "data": {"text": "no"}}])
        assert [(p.task, p.result[0]["value"], p.score, p.model_version) for p in proposals] == [
            (7, {"choices": ["pos"]}, 0.9, "ml-test-1"),
            (8, {"choices": ["neg"]}, 0.6, "ml-test-1"),
        ]
        assert model.train([]) is None
        seen = [e for e in locked.log() if not e.get("refused")]
    predict = next(e for e in seen if e["path"] == "/predict")["body"]
    assert set(predict) == {"tasks", "model_version", "project", "label_config", "params"}
    assert predict["project"] == "1.1700000000" and predict["label_config"] == TEXT_CONFIG
    assert next(e for e in seen if e["path"] == "/webhook")["action"] == "START_TRAINING"


def test_a_run_stopped_by_a_restart_resumes_from_its_checkpoint(
    app: Any, admin: Any, settings: Settings, database: Database
) -> None:
    client = TestClient(app, headers={"Authorization": f"Token {ADMIN_TOKEN}"})  # no lifespan: no runner
    pid = client.post("/api/projects", json={"title": "r", "label_config": TEXT_CONFIG}).json()["id"]
    r = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": f"good {i}"} for i in range(12)]
    )
    tids = r.json()["task_ids"]
    with ml_backend.running(ML_DELAY="0.15") as slow:
        ml = client.post("/api/ml", json={"project": pid, "url": slow.url}).json()
        assert ml["state"] == "CO", ml
        job = client.post(f"/api/ml/{ml['id']}/predict", params={"batch_size": 1}, json={}).json()["job"]
        first = jobs.start(settings, database.sessionmaker, poll_seconds=0.05)
        try:
            wait_for(lambda: (jobs.live(job["id"]) or (0, 0))[0] >= 3)
        finally:
            jobs.stop(first)  # the process stops: the run goes back to the queue with its checkpoint
        with database.sessionmaker() as db:
            stopped = jobs.get(db, job["id"])
            assert stopped.status == "queued" and stopped.checkpoint["after"] >= tids[2]
            kept = stopped.checkpoint["done"]
        second = jobs.start(settings, database.sessionmaker, poll_seconds=0.05)
        try:
            done = wait_for(
                lambda: (
                    (j := client.get(f"/api/ml/{ml['id']}/jobs/{job['id']}").json())["status"] == "completed"
                    and j
                )
            )
        finally:
            jobs.stop(second)
        asked = [t for e in slow.log() if e["path"] == "/predict" for t in e["tasks"]]
    assert done["result"]["predicted"] == 12 and done["progress"] == {"done": 12, "total": 12}
    with database.sessionmaker() as db:
        stored = db.scalars(select(Prediction.task_id).where(Prediction.project_id == pid)).all()
    assert sorted(stored) == tids  # every task once, none twice
    assert all(
        asked.count(t) == 1 for t in tids[:kept]
    )  # what was committed before the stop was not asked again
