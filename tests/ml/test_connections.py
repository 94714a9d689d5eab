"""Model connections (`/api/ml`) against a real ML backend process speaking Label Studio's protocol:
create and validate, states and errors, SSRF refusals, basic auth, sealed secrets, training, and
pre-annotation runs through the jobs runner (all, selected, cancelled)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from labelwise.db.models import MLBackend, Prediction, Task
from labelwise.db.runtime import Database
from labelwise.settings import Settings
from tests.api.test_tasks_and_import import make_project
from tests.support import ml_backend
from tests.support.people import member
from tests.support.postgres import free_port


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The backend listens on 127.0.0.1, which only the allowlist lets through."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url, ssrf_allow_hosts="127.0.0.1")


@pytest.fixture(scope="module")
def backend_process() -> Iterator[ml_backend.Backend]:
    with ml_backend.running() as b:
        yield b


@pytest.fixture
def server(backend_process: ml_backend.Backend) -> ml_backend.Backend:
    """The module's backend with its request log emptied (ids repeat across the two databases)."""
    backend_process.clear()
    return backend_process


def wait_for(check: Callable[[], Any], seconds: float = 60.0) -> Any:
    """Poll until `check` returns something truthy; a generous deadline, not a speed assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached before the deadline")


def project_with_tasks(client: TestClient, texts: list[str]) -> tuple[int, list[int]]:
    pid = make_project(client)
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": t} for t in texts])
    assert r.status_code == 201, r.text
    return pid, r.json()["task_ids"]


def connect(client: TestClient, pid: int, url: str, **extra: Any) -> dict[str, Any]:
    r = client.post("/api/ml", json={"project": pid, "title": "kw", "url": url, **extra})
    assert r.status_code == 201, r.text
    return dict(r.json())


def finished_run(client: TestClient, ml_id: int, job_id: int) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        job = client.get(f"/api/ml/{ml_id}/jobs/{job_id}").json()
        return job if job["status"] in ("completed", "failed", "cancelled") else None

    return dict(wait_for(check))


def test_a_healthy_backend_is_connected_and_set_up(client: TestClient, server: ml_backend.Backend) -> None:
    pid, _ = project_with_tasks(client, ["good"])
    ml = connect(client, pid, server.url, description="keywords")
    assert ml["state"] == "CO" and ml["readable_state"] == "Connected" and ml["error_message"] is None
    assert ml["model_version"] == "ml-test-1" and ml["type"] == "remote" and ml["project"] == pid
    assert ml["auth_method"] == "NONE" and ml["basic_auth_pass_is_set"] is False
    setup = [e for e in server.log() if e["path"] == "/setup" and e["body"]["project"].startswith(f"{pid}.")]
    assert setup and "<Choices" in setup[-1]["body"]["schema"]
    assert set(setup[-1]["body"]) >= {
        "project",
        "schema",
        "hostname",
        "access_token",
        "model_version",
        "extra_params",
    }
    assert [m["id"] for m in client.get("/api/ml", params={"project": pid}).json()] == [ml["id"]]
    changed = client.patch(f"/api/ml/{ml['id']}", json={"title": "renamed", "timeout": 5})
    assert (
        changed.status_code == 200 and changed.json()["title"] == "renamed" and changed.json()["timeout"] == 5
    )
    assert client.post(f"/api/ml/{ml['id']}/validate").json()["state"] == "CO"
    assert client.get(f"/api/ml/{ml['id']}/versions").json()["versions"] == ["ml-test-1"]
    assert client.delete(f"/api/ml/{ml['id']}").status_code == 204
    assert client.get(f"/api/ml/{ml['id']}").status_code == 404


def test_an_unreachable_backend_is_saved_in_error_with_the_reason(client: TestClient) -> None:
    pid, _ = project_with_tasks(client, ["x"])
    ml = connect(client, pid, f"http://127.0.0.1:{free_port()}")
    assert ml["state"] == "ER" and ml["readable_state"] == "Error"
    assert "connection refused" in ml["error_message"]
    assert client.get(f"/api/ml/{ml['id']}").json()["error_message"] == ml["error_message"]


def test_urls_the_ssrf_guard_refuses_are_a_400_naming_url_and_nothing_is_stored(
    client: TestClient, database: Database
) -> None:
    pid, _ = project_with_tasks(client, ["x"])
    for url in ("http://169.254.169.254/latest", "http://10.1.2.3:9090", "file:///etc/passwd", "gopher://x"):
        r = client.post("/api/ml", json={"project": pid, "url": url})
        assert r.status_code == 400, (url, r.text)
        assert "url" in r.json()["validation_errors"]
    with database.sessionmaker() as db:
        assert db.scalars(select(MLBackend)).all() == []


def test_bad_fields_are_400s_naming_the_field(client: TestClient, server: ml_backend.Backend) -> None:
    pid, _ = project_with_tasks(client, ["x"])
    cases = [
        ({"url": server.url, "type": "magic"}, "type"),
        ({"url": server.url, "timeout": -1}, "timeout"),
        ({"url": server.url, "timeout": "10"}, "timeout"),
        ({"url": server.url, "is_interactive": "yes"}, "is_interactive"),
        ({"url": server.url, "auth_method": "BASIC_AUTH"}, "basic_auth_user"),
        ({"url": server.url, "extra_params": [1]}, "extra_params"),
        ({"url": server.url, "colour": "red"}, "colour"),
        ({}, "url"),
    ]
    for body, field in cases:
        r = client.post("/api/ml", json={"project": pid, **body})
        assert r.status_code == 400, (body, r.text)
        assert field in r.json()["validation_errors"], (body, r.json())
    assert client.post("/api/ml", json={"url": server.url}).status_code == 400  # no project


def test_basic_auth_is_sent_and_the_password_is_write_only_and_sealed(
    client: TestClient, database: Database
) -> None:
    pid, tids = project_with_tasks(client, ["good"])
    with ml_backend.running(BASIC_AUTH_USER="ls", BASIC_AUTH_PASS="pa55-word") as locked:
        refused = connect(client, pid, locked.url)
        assert refused["state"] == "ER" and "401" in refused["error_message"]
        ml = connect(
            client,
            pid,
            locked.url,
            auth_method="BASIC_AUTH",
            basic_auth_user="ls",
            basic_auth_pass="pa55-word",
        )
        assert ml["state"] == "CO", ml["error_message"]
        assert ml["basic_auth_pass_is_set"] is True and "basic_auth_pass" not in ml
        assert ml["basic_auth_user"] == "ls"
        # An update without the password keeps it (Label Studio's rule).
        assert (
            client.patch(f"/api/ml/{ml['id']}", json={"title": "t2", "basic_auth_pass": ""}).json()["state"]
            == "CO"
        )
        run = client.post(f"/api/ml/{ml['id']}/predict", json={"tasks": tids}).json()["job"]
        assert finished_run(client, ml["id"], run["id"])["status"] == "completed"
    with database.sessionmaker() as db:
        row = db.get(MLBackend, ml["id"])
        assert row is not None and row.basic_auth_pass and "pa55-word" not in row.basic_auth_pass


def test_an_llm_api_key_is_sealed_and_shown_as_a_mask(
    client: TestClient, server: ml_backend.Backend, database: Database
) -> None:
    pid, _ = project_with_tasks(client, ["x"])
    ml = connect(client, pid, server.url, extra_params={"model": "m", "api_key": "sk-secret"})
    assert ml["extra_params"] == {"model": "m", "api_key": "********"}
    with database.sessionmaker() as db:
        row = db.get(MLBackend, ml["id"])
        assert row is not None and "sk-secret" not in str(row.extra_params)
    kept = client.patch(f"/api/ml/{ml['id']}", json={"extra_params": {"model": "m2", "api_key": "********"}})
    assert kept.json()["extra_params"] == {"model": "m2", "api_key": "********"}
    setups = [
        e["body"]
        for e in server.log()
        if e["path"] == "/setup" and e["body"]["project"].startswith(f"{pid}.")
    ]
    assert setups[-1]["extra_params"] == {"model": "m2", "api_key": "sk-secret"}  # opened for the model only


def test_predicting_all_tasks_stores_predictions_with_version_and_score(
    client: TestClient, server: ml_backend.Backend, database: Database
) -> None:
    pid, tids = project_with_tasks(client, ["good one", "bad one", "good two", "meh", "good three"])
    ml = connect(client, pid, server.url)
    started = client.post(f"/api/ml/{ml['id']}/predict", params={"batch_size": 2}, json={})
    assert started.status_code == 200, started.text
    job = finished_run(client, ml["id"], started.json()["job"]["id"])
    assert job["status"] == "completed", job
    assert job["progress"] == {"done": 5, "total": 5} and job["result"]["predicted"] == 5
    with database.sessionmaker() as db:
        preds = db.scalars(
            select(Prediction).where(Prediction.project_id == pid).order_by(Prediction.task_id)
        ).all()
        assert [p.task_id for p in preds] == tids
        assert [p.result[0]["value"]["choices"] for p in preds] == [
            ["pos"],
            ["neg"],
            ["pos"],
            ["neg"],
            ["pos"],
        ]
        assert [p.score for p in preds] == [0.9, 0.6, 0.9, 0.6, 0.9]
        assert {p.model_version for p in preds} == {"ml-test-1"}
        assert [t.total_predictions for t in db.scalars(select(Task).where(Task.project_id == pid))] == [
            1
        ] * 5
    calls = [e["tasks"] for e in server.log() if e["path"] == "/predict" and e["tasks"][0] in tids]
    assert calls == [tids[0:2], tids[2:4], tids[4:5]]
    assert client.get(f"/api/projects/{pid}").json()["total_predictions_number"] == 5
    assert client.get(f"/api/ml/{ml['id']}").json()["state"] == "CO"
    assert [j["id"] for j in client.get(f"/api/ml/{ml['id']}/jobs").json()] == [job["id"]]


def test_predicting_selected_tasks_and_a_data_manager_selection(
    client: TestClient, server: ml_backend.Backend, database: Database
) -> None:
    pid, tids = project_with_tasks(client, ["good a", "b", "good c", "d"])
    ml = connect(client, pid, server.url)
    first = client.post(f"/api/ml/{ml['id']}/predict", json={"tasks": [tids[1], tids[3]]}).json()["job"]
    assert finished_run(client, ml["id"], first["id"])["result"]["predicted"] == 2
    second = client.post(
        f"/api/ml/{ml['id']}/predict",
        json={"selectedItems": {"all": True, "excluded": [tids[0], tids[1], tids[3]]}},
    ).json()["job"]
    assert finished_run(client, ml["id"], second["id"])["result"]["predicted"] == 1
    with database.sessionmaker() as db:
        got = sorted(db.scalars(select(Prediction.task_id).where(Prediction.project_id == pid)))
    assert got == sorted([tids[1], tids[3], tids[2]])
    bad = client.post(f"/api/ml/{ml['id']}/predict", json={"selectedItems": {"all": "no"}})
    assert bad.status_code == 400
    assert client.post(f"/api/ml/{ml['id']}/predict", json={"tasks": ["x"]}).status_code == 400


def test_train_sends_the_start_training_event(client: TestClient, server: ml_backend.Backend) -> None:
    pid, _ = project_with_tasks(client, ["good"])
    ml = connect(client, pid, server.url)
    r = client.post(f"/api/ml/{ml['id']}/train", json={"use_ground_truth": True})
    assert r.status_code == 200, r.text
    events = [e for e in server.log() if e["path"] == "/webhook" and e["body"]["project"]["id"] == pid]
    assert [e["action"] for e in events] == ["START_TRAINING"]
    assert "<Choices" in events[0]["body"]["project"]["label_config"]
    assert r.json()["state"] == "CO"


def test_a_backend_that_answers_garbage_fails_the_run_with_its_reason(client: TestClient) -> None:
    pid, _ = project_with_tasks(client, ["good"])
    with ml_backend.running(ML_BROKEN="json") as broken:
        ml = connect(client, pid, broken.url)
        run = client.post(f"/api/ml/{ml['id']}/predict", json={}).json()["job"]
        job = finished_run(client, ml["id"], run["id"])
    assert job["status"] == "failed" and "not JSON" in job["error"]
    shown = client.get(f"/api/ml/{ml['id']}").json()
    assert shown["state"] == "ER" and "not JSON" in shown["error_message"]


def test_a_run_is_cancelled_between_batches(client: TestClient, database: Database) -> None:
    pid, _ = project_with_tasks(client, [f"good {i}" for i in range(30)])
    with ml_backend.running(ML_DELAY="0.2") as slow:
        ml = connect(client, pid, slow.url)
        run = client.post(f"/api/ml/{ml['id']}/predict", params={"batch_size": 1}, json={}).json()["job"]
        wait_for(lambda: client.get(f"/api/ml/{ml['id']}/jobs/{run['id']}").json()["progress"]["done"] >= 2)
        assert client.post(f"/api/ml/{ml['id']}/jobs/{run['id']}/cancel").json()["cancel_requested"] is True
        job = finished_run(client, ml["id"], run["id"])
    assert job["status"] == "cancelled"
    with database.sessionmaker() as db:
        stored = db.scalars(select(Prediction.task_id).where(Prediction.project_id == pid)).all()
    assert 2 <= len(stored) < 30 and len(set(stored)) == len(stored)
    assert client.get(f"/api/ml/{ml['id']}").json()["state"] == "CO"


def test_interactive_annotating_returns_a_prediction_without_storing_it(
    client: TestClient, server: ml_backend.Backend, database: Database, app: Any
) -> None:
    pid, tids = project_with_tasks(client, ["good", "bad"])
    ml = connect(client, pid, server.url, is_interactive=True)
    r = client.post(f"/api/ml/{ml['id']}/interactive-annotating", json={"task": tids[0], "context": {"x": 1}})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["result"][0]["value"] == {"choices": ["pos"]}
    assert r.json()["data"]["score"] == 0.9 and r.json()["data"]["model_version"] == "ml-test-1"
    with database.sessionmaker() as db:
        assert db.scalars(select(Prediction)).all() == []
        annotator = member(db, pid, "ann@example.com", "annotator")
        db.commit()
    as_annotator = {"Authorization": f"Token {annotator.token}"}
    # An annotator reaches only the tasks handed to them: another task of the project is a 404.
    hidden = client.post(
        f"/api/ml/{ml['id']}/interactive-annotating", json={"task": tids[1]}, headers=as_annotator
    )
    assert hidden.status_code == 404
    assert client.get(f"/api/ml/{ml['id']}", headers=as_annotator).status_code == 403
    test = client.post(f"/api/ml/{ml['id']}/predict/test")
    assert test.status_code == 200 and test.json()["data"]["result"][0]["value"] == {"choices": ["pos"]}


def test_predicting_the_tasks_a_filter_or_a_saved_view_selects(
    client: TestClient, server: ml_backend.Backend, database: Database
) -> None:
    pid, tids = project_with_tasks(client, ["good a", "plain b", "good c", "plain d"])
    ml = connect(client, pid, server.url)
    good = {
        "conjunction": "and",
        "items": [
            {"filter": "filter:tasks:data.text", "operator": "contains", "type": "String", "value": "good"}
        ],
    }
    run = client.post(
        f"/api/ml/{ml['id']}/predict", json={"selectedItems": {"all": True}, "filters": good}
    ).json()["job"]
    assert finished_run(client, ml["id"], run["id"])["result"] == {
        "total": 2, "done": 2, "predicted": 2, "invalid": 0, "first_error": "", "tokens": 0, "cost": 0.0,
    }  # fmt: skip
    plain = {
        "conjunction": "and",
        "items": [
            {"filter": "filter:tasks:data.text", "operator": "contains", "type": "String", "value": "plain"}
        ],
    }
    view = client.post("/api/dm/views", json={"project": pid, "data": {"filters": plain}}).json()["id"]
    run = client.post(
        f"/api/ml/{ml['id']}/predict",
        json={"view": view, "selectedItems": {"all": True, "excluded": [tids[3]]}},
    ).json()["job"]
    assert finished_run(client, ml["id"], run["id"])["result"]["predicted"] == 1
    with database.sessionmaker() as db:
        got = sorted(db.scalars(select(Prediction.task_id).where(Prediction.project_id == pid)))
    assert got == [tids[0], tids[1], tids[2]]
    other = make_project(client)
    foreign = client.post("/api/dm/views", json={"project": other, "data": {}}).json()["id"]
    refused = client.post(f"/api/ml/{ml['id']}/predict", json={"view": foreign})
    assert refused.status_code == 400 and "view" in refused.json()["validation_errors"]


def test_annotation_events_reach_the_backend_through_a_webhook_unchanged(
    client: TestClient, server: ml_backend.Backend
) -> None:
    """Label Studio's way to train on each annotation: a webhook at the backend's `/webhook`."""
    pid, tids = project_with_tasks(client, ["good"])
    hook = client.post(
        "/api/webhooks",
        json={"project": pid, "url": server.url + "/webhook", "actions": ["ANNOTATION_CREATED"]},
    )
    assert hook.status_code == 201, hook.text
    result = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}]
    assert client.post(f"/api/tasks/{tids[0]}/annotations", json={"result": result}).status_code == 201
    event = wait_for(lambda: next((e for e in server.log() if e["path"] == "/webhook"), None))
    assert event["action"] == "ANNOTATION_CREATED"
    assert event["body"]["project"]["id"] == pid and "<Choices" in event["body"]["project"]["label_config"]
    assert event["body"]["annotation"]["result"][0]["value"] == {"choices": ["pos"]}
