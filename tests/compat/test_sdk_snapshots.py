"""Export snapshots through both label-studio-sdk clients over HTTP: create, poll, list, convert,
download and delete, as scripts written for Label Studio call them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from label_studio_sdk import Client, LabelStudio
from label_studio_sdk.core.api_error import ApiError

from labelwise import jobs

from ._scenario import LABEL_CONFIG, choices_result, unique_title

pytestmark = pytest.mark.compat


@pytest.fixture
def runner(app: Any, live_server: Any) -> Iterator[jobs.Runner]:
    """The live server runs without its lifespan; the job runner it would start, started here."""
    r = jobs.start(app)
    yield r
    jobs.stop(r)


@pytest.fixture
def project_id(live_server: Any, runner: jobs.Runner) -> int:
    legacy = Client(url=live_server.url, api_key=live_server.token)
    project = legacy.create_project(title=unique_title("snapshots"), label_config=LABEL_CONFIG)
    ids = project.import_tasks([{"text": "one"}, {"text": "two"}, {"text": "three"}])
    project.create_annotation(ids[0], result=choices_result("positive", "r1"))
    return int(project.id)


def _sync_export(live_server: Any, project_id: int, fmt: str) -> bytes:
    r = httpx.get(
        f"{live_server.url}/api/projects/{project_id}/export",
        params={"exportType": fmt, "download_all_tasks": "true"},
        headers={"Authorization": f"Token {live_server.token}"},
    )
    r.raise_for_status()
    return r.content


def _wait(check: Any) -> Any:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("not done before the deadline")


def test_sdk_client_snapshot_round_trip(live_server: Any, project_id: int) -> None:
    ls = LabelStudio(base_url=live_server.url, api_key=live_server.token)
    created = ls.projects.exports.create(
        id=project_id,
        title="from the sdk",
        task_filter_options={"only_with_annotations": False},
        annotation_filter_options={"usual": True, "ground_truth": True, "skipped": True},
        serialization_options={"drafts": {"only_id": True}, "predictions": {"only_id": True}},
    )
    assert created.id and created.title == "from the sdk"
    assert (
        created.task_filter_options is not None and created.task_filter_options.only_with_annotations is False
    )
    done = _wait(
        lambda: (
            (e := ls.projects.exports.get(id=project_id, export_pk=created.id)).status == "completed" and e
        )
    )
    assert done.counters == {"task_number": 3}
    assert done.created_by is not None and done.created_by.email == live_server.email
    assert [e.id for e in ls.projects.exports.list(id=project_id)] == [created.id]

    body = b"".join(ls.projects.exports.download(id=project_id, export_pk=created.id, export_type="JSON"))
    assert body == _sync_export(live_server, project_id, "JSON")
    assert len(json.loads(body)) == 3

    converted = ls.projects.exports.convert(id=project_id, export_pk=created.id, export_type="CSV")
    assert converted.export_type == "CSV" and isinstance(converted.converted_format, int)
    _wait(
        lambda: any(
            c.export_type == "CSV" and c.status == "completed" and c.id == converted.converted_format
            for c in ls.projects.exports.get(id=project_id, export_pk=created.id).converted_formats or []
        )
    )
    csv_body = b"".join(ls.projects.exports.download(id=project_id, export_pk=created.id, export_type="CSV"))
    assert csv_body == _sync_export(live_server, project_id, "CSV")

    with pytest.raises(ApiError) as bad:
        ls.projects.exports.convert(id=project_id, export_pk=created.id, export_type="NOPE")
    assert bad.value.status_code == 400

    ls.projects.exports.delete(id=project_id, export_pk=created.id)
    assert ls.projects.exports.list(id=project_id) == []
    with pytest.raises(ApiError) as gone:
        ls.projects.exports.get(id=project_id, export_pk=created.id)
    assert gone.value.status_code == 404


def test_legacy_client_snapshot_round_trip(live_server: Any, project_id: int, tmp_path: Path) -> None:
    project = Client(url=live_server.url, api_key=live_server.token).get_project(project_id)
    created = project.export_snapshot_create(title="legacy")
    assert created["title"] == "legacy"
    # The legacy client's defaults, echoed as sent.
    assert created["annotation_filter_options"] == {"usual": True, "ground_truth": True, "skipped": True}
    assert created["serialization_options"]["predictions"] == {"only_id": True}
    export_id = created["id"]
    _wait(lambda: project.export_snapshot_status(export_id).is_completed())
    assert [s["id"] for s in project.export_snapshot_list()] == [export_id]

    status, filename = project.export_snapshot_download(export_id, export_type="JSON", path=str(tmp_path))
    assert status == 200 and filename == f"project-{project_id}-export-{export_id}.json"
    assert (tmp_path / filename).read_bytes() == _sync_export(live_server, project_id, "JSON")

    assert project.export_snapshot_delete(export_id) == 204
    assert project.export_snapshot_list() == []

    # The one-call helper: create, wait while in progress, download.
    result = project.export(export_type="JSON", output_dir=str(tmp_path / "one-call"))
    assert result["status"] == 200
    written = tmp_path / "one-call" / result["filename"]
    assert json.loads(written.read_bytes()) == json.loads(_sync_export(live_server, project_id, "JSON"))
