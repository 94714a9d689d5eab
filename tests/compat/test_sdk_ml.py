"""label-studio-sdk 2.x `ml` client against a live server and a real ML backend process: Label Studio's
`/api/ml` paths and fields, training, versions, interactive annotating and predicting all tasks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from labelwise import jobs
from labelwise.settings import Settings
from tests.support import ml_backend

from ._scenario import LABEL_CONFIG, unique_title

pytestmark = pytest.mark.compat


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, ssrf_allow_hosts="127.0.0.1")


@pytest.fixture
def runner(app: Any) -> Iterator[jobs.Runner]:
    """The live server runs without its lifespan; the runs need a jobs runner."""
    r = jobs.start(app, poll_seconds=0.05)
    yield r
    jobs.stop(r)


def test_the_sdk_manages_a_backend_and_predicts_all_tasks(live_server: Any, runner: jobs.Runner) -> None:
    ls = LabelStudio(base_url=live_server.url, api_key=live_server.token)
    project = ls.projects.create(title=unique_title("ml"), label_config=LABEL_CONFIG)
    assert project.id is not None
    ls.projects.import_tasks(project.id, request=[{"text": "good"}, {"text": "bad"}, {"text": "good too"}])
    with ml_backend.running() as server:
        created = ls.ml.create(
            url=server.url, project=project.id, title="keywords", is_interactive=True, timeout=30
        )
        assert created.id is not None and created.url == server.url and created.title == "keywords"
        ml = ls.ml.get(created.id)
        assert ml.state == "CO" and ml.project == project.id and ml.model_version == "ml-test-1"
        assert ml.is_interactive is True and ml.auth_method == "NONE" and ml.basic_auth_pass_is_set is False
        assert [m.id for m in ls.ml.list(project=project.id)] == [created.id]
        updated = ls.ml.update(created.id, title="renamed", description="d")
        assert updated.title == "renamed" and updated.description == "d"
        assert ls.ml.list_model_versions(created.id).versions == ["ml-test-1"]
        ls.ml.train(created.id, use_ground_truth=True)
        assert [e["action"] for e in server.log() if e["path"] == "/webhook"] == ["START_TRAINING"]
        task = next(iter(ls.tasks.list(project=project.id)))
        raw = ls.ml.with_raw_response.predict_interactive(created.id, task=task.id)
        assert raw.response.json()["data"]["result"][0]["value"] == {"choices": ["positive"]}
        ls.ml.predict_all_tasks(created.id, batch_size=2)
        deadline = time.monotonic() + 60
        while sum(t.total_predictions or 0 for t in ls.tasks.list(project=project.id)) < 3:
            assert time.monotonic() < deadline, "the run did not finish"
            time.sleep(0.1)
    predictions = ls.predictions.list(project=project.id)
    assert sorted(p.score for p in predictions) == [0.6, 0.9, 0.9]
    assert {p.model_version for p in predictions} == {"ml-test-1"}
    ls.ml.delete(created.id)
    with pytest.raises(ApiError) as gone:
        ls.ml.get(created.id)
    assert gone.value.status_code == 404
    with pytest.raises(ApiError) as refused:
        ls.ml.create(url="http://169.254.169.254/", project=project.id)
    assert refused.value.status_code == 400
