"""Export snapshots over HTTP (`/api/projects/{id}/exports/`): written by a real job runner."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from labelwise import jobs
from labelwise.db.base import utcnow
from labelwise.db.models import ExportSnapshot, Job
from labelwise.db.runtime import Database
from labelwise.settings import Settings
from tests.api.test_tasks_and_import import choice, make_project
from tests.conftest import ADMIN_TOKEN
from tests.storage.test_local import make_annotator


def _project(client: TestClient) -> tuple[int, list[int]]:
    """Three tasks: one with two annotations (one ground truth), one with a prediction, one bare."""
    pid = make_project(client)
    ids = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1",
        json=[{"text": 'say "hi", then leave'}, {"text": "second"}, {"text": "third"}],
    ).json()["task_ids"]
    client.post(f"/api/tasks/{ids[0]}/annotations/", json={"result": [choice("pos")], "lead_time": 1.5})
    client.post(f"/api/tasks/{ids[0]}/annotations/", json={"result": [choice("neg")], "ground_truth": True})
    r = client.post("/api/predictions/", json={"task": ids[1], "result": [choice("pos")], "score": 0.5})
    assert r.status_code == 201, r.text
    return pid, ids


def _completed(client: TestClient, pid: int, eid: int, fmt: str | None = None) -> dict[str, Any]:
    """Poll the snapshot (or one converted format) until it is done; a deadline, not a speed check."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = client.get(f"/api/projects/{pid}/exports/{eid}").json()
        state = (
            body["status"]
            if fmt is None
            else next(c["status"] for c in body["converted_formats"] if c["export_type"] == fmt)
        )
        if state in ("completed", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"export {eid} did not finish")


@pytest.fixture
def project(client: TestClient) -> tuple[int, list[int]]:
    return _project(client)


def test_snapshot_is_written_in_the_background_and_matches_the_synchronous_export(
    client: TestClient, project: tuple[int, list[int]]
) -> None:
    pid, _ = project
    r = client.post(f"/api/projects/{pid}/exports/", json={"title": "nightly"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["title"] == "nightly" and created["status"] in ("in_progress", "completed")
    assert created["created_by"]["email"] == "owner@example.com"
    done = _completed(client, pid, created["id"])
    assert done["status"] == "completed" and done["finished_at"] is not None
    assert done["counters"] == {"task_number": 3}
    assert done["progress"] == {"done": 3, "total": 3}
    assert done["converted_formats"] == []

    got = client.get(f"/api/projects/{pid}/exports/{created['id']}/download")
    assert got.status_code == 200
    assert got.headers["content-disposition"] == (
        f'attachment; filename="project-{pid}-export-{created["id"]}.json"'
    )
    sync = client.get(f"/api/projects/{pid}/export", params={"download_all_tasks": "true"}).content
    assert got.content == sync
    assert done["md5"] == hashlib.md5(got.content).hexdigest()
    assert len(got.json()) == 3


def test_options_are_echoed_and_only_with_annotations_narrows_the_tasks(
    client: TestClient, project: tuple[int, list[int]]
) -> None:
    pid, _ = project
    body = {
        "title": "annotated",
        "task_filter_options": {"only_with_annotations": True, "view": 4, "skipped": "exclude"},
        "annotation_filter_options": {"usual": True, "ground_truth": True, "skipped": False},
        "serialization_options": {"drafts": {"only_id": True}, "interpolate_key_frames": False},
    }
    created = client.post(f"/api/projects/{pid}/exports", json=body).json()
    assert created["task_filter_options"] == body["task_filter_options"]
    assert created["annotation_filter_options"] == body["annotation_filter_options"]
    assert created["serialization_options"] == body["serialization_options"]
    done = _completed(client, pid, created["id"])
    assert done["counters"] == {"task_number": 1}
    got = client.get(f"/api/projects/{pid}/exports/{created['id']}/download", params={"exportType": "JSON"})
    assert got.content == client.get(f"/api/projects/{pid}/export").content  # annotated tasks only


def test_list_is_newest_first(client: TestClient, project: tuple[int, list[int]]) -> None:
    pid, _ = project
    first = client.post(f"/api/projects/{pid}/exports", json={"title": "a"}).json()["id"]
    second = client.post(f"/api/projects/{pid}/exports", json={}).json()["id"]
    listed = client.get(f"/api/projects/{pid}/exports/").json()
    assert [s["id"] for s in listed] == [second, first]
    assert [s["title"] for s in listed] == ["", "a"]


def test_convert_to_csv_then_download_it(client: TestClient, project: tuple[int, list[int]]) -> None:
    pid, _ = project
    eid = client.post(f"/api/projects/{pid}/exports", json={"title": "c"}).json()["id"]
    _completed(client, pid, eid)
    r = client.post(f"/api/projects/{pid}/exports/{eid}/convert", json={"export_type": "csv"})
    assert r.status_code == 200, r.text
    assert r.json()["export_type"] == "CSV" and isinstance(r.json()["converted_format"], int)
    done = _completed(client, pid, eid, "CSV")
    assert done["converted_formats"] == [
        {"id": r.json()["converted_format"], "export_type": "CSV", "status": "completed", "traceback": None}
    ]
    got = client.get(f"/api/projects/{pid}/exports/{eid}/download", params={"exportType": "CSV"})
    assert got.status_code == 200
    assert got.headers["content-disposition"] == f'attachment; filename="project-{pid}-export-{eid}-csv.csv"'
    sync = client.get(
        f"/api/projects/{pid}/export", params={"exportType": "CSV", "download_all_tasks": "true"}
    ).content
    assert got.content == sync
    again = client.post(f"/api/projects/{pid}/exports/{eid}/convert", json={"export_type": "CSV"})
    assert again.status_code == 400 and "Conversion to CSV already started" in again.json()["detail"]
    # JSON is the snapshot itself; TSV was never converted.
    assert (
        client.post(f"/api/projects/{pid}/exports/{eid}/convert", json={"export_type": "JSON"}).status_code
        == 400
    )
    tsv = client.get(f"/api/projects/{pid}/exports/{eid}/download", params={"exportType": "TSV"})
    assert tsv.status_code == 404 and "TSV format is not converted yet" in tsv.json()["detail"]


def test_bad_export_types_are_400s_naming_the_field(
    client: TestClient, project: tuple[int, list[int]]
) -> None:
    pid, _ = project
    eid = client.post(f"/api/projects/{pid}/exports", json={}).json()["id"]
    _completed(client, pid, eid)
    r = client.post(f"/api/projects/{pid}/exports/{eid}/convert", json={"export_type": "XLSX"})
    assert r.status_code == 400
    assert "export_type 'XLSX' is not supported" in r.json()["detail"] and "CSV" in r.json()["detail"]
    assert r.json()["validation_errors"] == {"export_type": ["unsupported"]}
    missing = client.post(f"/api/projects/{pid}/exports/{eid}/convert", json={})
    assert missing.status_code == 400 and missing.json()["detail"] == "export_type is required"
    coco = client.post(f"/api/projects/{pid}/exports/{eid}/convert", json={"export_type": "COCO"})
    assert coco.status_code == 400 and coco.json()["detail"].startswith("export_type COCO: ")
    d = client.get(f"/api/projects/{pid}/exports/{eid}/download", params={"exportType": "XLSX"})
    assert d.status_code == 400 and "exportType 'XLSX' is not supported" in d.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"task_filter_options": "all"}, "task_filter_options"),
        ({"task_filter_options": {"annotated": "yes"}}, "task_filter_options.annotated"),
        (
            {"task_filter_options": {"only_with_annotations": "true"}},
            "task_filter_options.only_with_annotations",
        ),
        ({"task_filter_options": {"view": 2**40}}, "task_filter_options.view"),
        ({"task_filter_options": {"ids": [1, "2"]}}, "task_filter_options.ids"),
        ({"annotation_filter_options": {"usual": 1}}, "annotation_filter_options.usual"),
        ({"serialization_options": {"drafts": True}}, "serialization_options.drafts"),
        (
            {"serialization_options": {"predictions": {"only_id": "no"}}},
            "serialization_options.predictions.only_id",
        ),
        ({"title": "x" * 201}, "title"),
        ({"title": 5}, "title"),
    ],
)
def test_bad_options_are_400s_naming_the_field(
    client: TestClient, project: tuple[int, list[int]], body: dict[str, Any], field: str
) -> None:
    pid, _ = project
    r = client.post(f"/api/projects/{pid}/exports", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["detail"].startswith(field + " ")
    assert client.get(f"/api/projects/{pid}/exports").json() == []  # nothing was written


def test_predictions_and_ground_truth_options_reach_the_converted_file(
    client: TestClient, project: tuple[int, list[int]]
) -> None:
    pid, _ = project
    body = {
        "annotation_filter_options": {"usual": False, "ground_truth": True},
        "serialization_options": {"predictions": {"only_id": False}},
    }
    eid = client.post(f"/api/projects/{pid}/exports", json=body).json()["id"]
    _completed(client, pid, eid)
    client.post(f"/api/projects/{pid}/exports/{eid}/convert", json={"export_type": "JSON_MIN"})
    _completed(client, pid, eid, "JSON_MIN")
    got = client.get(f"/api/projects/{pid}/exports/{eid}/download", params={"exportType": "JSON_MIN"})
    sync = client.get(
        f"/api/projects/{pid}/export",
        params={
            "exportType": "JSON_MIN",
            "download_all_tasks": "true",
            "annotations": "ground_truth",
            "include_predictions": "true",
        },
    )
    assert got.content == sync.content
    plain = client.get(
        f"/api/projects/{pid}/export", params={"exportType": "JSON_MIN", "download_all_tasks": "true"}
    )
    assert got.content != plain.content  # the options made a difference


def test_delete_removes_the_snapshot_and_its_files(
    client: TestClient, project: tuple[int, list[int]], settings: Settings
) -> None:
    pid, _ = project
    eid = client.post(f"/api/projects/{pid}/exports", json={}).json()["id"]
    _completed(client, pid, eid)
    client.post(f"/api/projects/{pid}/exports/{eid}/convert", json={"export_type": "TSV"})
    _completed(client, pid, eid, "TSV")
    folder = settings.data_dir / "exports"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"project-{pid}-export-{eid}-tsv.tsv",
        f"project-{pid}-export-{eid}.json",
    ]
    r = client.delete(f"/api/projects/{pid}/exports/{eid}")
    assert r.status_code == 204
    assert list(folder.iterdir()) == []
    assert client.get(f"/api/projects/{pid}/exports/{eid}").status_code == 404
    assert client.get(f"/api/projects/{pid}/exports/{eid}/download").status_code == 404


def test_annotators_may_not_use_snapshots(
    client: TestClient, project: tuple[int, list[int]], database: Database
) -> None:
    pid, _ = project
    eid = client.post(f"/api/projects/{pid}/exports", json={}).json()["id"]
    _completed(client, pid, eid)
    ann = {"Authorization": f"Token {make_annotator(database, pid)}"}
    calls = [
        client.get(f"/api/projects/{pid}/exports", headers=ann),
        client.post(f"/api/projects/{pid}/exports", json={}, headers=ann),
        client.get(f"/api/projects/{pid}/exports/{eid}", headers=ann),
        client.get(f"/api/projects/{pid}/exports/{eid}/download", headers=ann),
        client.post(f"/api/projects/{pid}/exports/{eid}/convert", json={"export_type": "CSV"}, headers=ann),
        client.delete(f"/api/projects/{pid}/exports/{eid}", headers=ann),
    ]
    assert [r.status_code for r in calls] == [403] * 6
    assert "may not project export" in calls[0].json()["detail"]
    assert len(client.get(f"/api/projects/{pid}/exports").json()) == 1  # the annotator's create wrote nothing


def test_another_projects_snapshot_is_not_found(client: TestClient, project: tuple[int, list[int]]) -> None:
    pid, _ = project
    other = make_project(client)
    eid = client.post(f"/api/projects/{pid}/exports", json={}).json()["id"]
    _completed(client, pid, eid)
    calls = [
        client.get(f"/api/projects/{other}/exports/{eid}"),
        client.get(f"/api/projects/{other}/exports/{eid}/download"),
        client.post(f"/api/projects/{other}/exports/{eid}/convert", json={"export_type": "CSV"}),
        client.delete(f"/api/projects/{other}/exports/{eid}"),
        client.get(f"/api/projects/{pid}/exports/{2**40}"),
    ]
    assert [r.status_code for r in calls] == [404] * 5
    assert client.get(f"/api/projects/{other}/exports").json() == []
    assert client.get(f"/api/projects/{pid}/exports/{eid}").json()["status"] == "completed"


@pytest.fixture
def no_runner(app: Any, admin: Any) -> Iterator[TestClient]:
    """A client whose app never started its lifespan, so no job runner picks the work up."""
    yield TestClient(app, headers={"Authorization": f"Token {ADMIN_TOKEN}"})


def test_a_snapshot_not_yet_written_is_404_to_download_and_409_to_convert(no_runner: TestClient) -> None:
    pid, _ = _project(no_runner)
    created = no_runner.post(f"/api/projects/{pid}/exports", json={}).json()
    assert created["status"] == "in_progress"
    assert created["progress"] == {"done": 0, "total": None}
    got = no_runner.get(f"/api/projects/{pid}/exports/{created['id']}/download")
    assert got.status_code == 404 and "is not completed" in got.json()["detail"]
    conv = no_runner.post(f"/api/projects/{pid}/exports/{created['id']}/convert", json={"export_type": "CSV"})
    assert conv.status_code == 409
    # Deleting it cancels its queued job.
    assert no_runner.delete(f"/api/projects/{pid}/exports/{created['id']}").status_code == 204
    assert no_runner.get(f"/api/projects/{pid}/exports").json() == []


def test_a_snapshot_left_half_written_by_a_dead_process_is_rewritten_after_a_restart(
    no_runner: TestClient, settings: Settings, database: Database
) -> None:
    pid, _ = _project(no_runner)
    eid = no_runner.post(f"/api/projects/{pid}/exports", json={}).json()["id"]
    # What a process killed mid-write leaves: its job running with a silent heartbeat, a .part file.
    with database.sessionmaker() as db:
        snapshot = db.get(ExportSnapshot, eid)
        assert snapshot is not None and snapshot.job_id is not None
        job_id = snapshot.job_id
        old = utcnow() - timedelta(hours=1)
        db.execute(update(Job).where(Job.id == job_id).values(status="running", attempts=1, heartbeat_at=old))
        db.commit()
    folder = settings.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"project-{pid}-export-{eid}.json.part").write_bytes(b'[{"half": ')
    runner = jobs.start(settings, database.sessionmaker, poll_seconds=0.05)
    try:
        done = _completed(no_runner, pid, eid)
    finally:
        jobs.stop(runner)
    assert done["status"] == "completed"
    got = no_runner.get(f"/api/projects/{pid}/exports/{eid}/download").content
    assert got == no_runner.get(f"/api/projects/{pid}/export", params={"download_all_tasks": "true"}).content
    assert [p.name for p in folder.iterdir()] == [f"project-{pid}-export-{eid}.json"]
    with database.sessionmaker() as db:
        assert jobs.get(db, job_id).attempts == 2
