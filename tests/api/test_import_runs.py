"""Background imports for the web dialog: upload with `async=true`, poll the import until done."""

from __future__ import annotations

import io
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from labelwise.db.models import Job, User
from labelwise.settings import Settings
from tests.api.test_tasks_and_import import make_project
from tests.api.test_uploads import TEXT_CONFIG


def _poll(client: TestClient, pid: int, import_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = client.get(f"/api/projects/{pid}/imports/{import_id}").json()
        if got["status"] in ("completed", "failed"):
            return dict(got)
        assert got["status"] in ("created", "in_progress")
        time.sleep(0.05)
    raise AssertionError("the import did not finish within 60 s")


def _texts(client: TestClient, pid: int) -> list[str]:
    return sorted(
        str(t["data"]["text"]) for t in client.get("/api/tasks", params={"project": pid}).json()["tasks"]
    )


def test_an_async_upload_answers_at_once_and_imports_in_the_background(client: TestClient) -> None:
    pid = make_project(client, TEXT_CONFIG)
    rows = b"text\n" + b"".join(b"row %d\n" % i for i in range(3000))
    files = [
        ("file", ("a.csv", rows, "text/csv")),
        ("file", ("b.jsonl", b'{"text": "last"}\n', "text/plain")),
    ]
    r = client.post(f"/api/projects/{pid}/import", params={"async": "true"}, files=files)
    assert r.status_code == 201, r.text
    queued = r.json()
    assert set(queued) >= {"import", "file_upload_ids"} and len(queued["file_upload_ids"]) == 2
    assert r.headers["location"] == f"/api/projects/{pid}/imports/{queued['import']}"
    done = _poll(client, pid, queued["import"])
    assert done["status"] == "completed", done
    assert done["task_count"] == 3001 and done["file_upload_ids"] == queued["file_upload_ids"]
    assert done["progress"] is None and done["error"] is None
    assert client.get(f"/api/projects/{pid}").json()["task_number"] == 3001


def test_a_failed_background_import_says_why_and_stores_nothing(client: TestClient) -> None:
    pid = make_project(client, TEXT_CONFIG)
    files = [("file", ("bad.csv", b"text\nok\nnot,ok\n", "text/csv"))]
    r = client.post(f"/api/projects/{pid}/import", params={"async": "1"}, files=files)
    assert r.status_code == 201, r.text
    done = _poll(client, pid, r.json()["import"])
    assert done["status"] == "failed"
    assert "bad.csv: line 3: 2 fields, the header has 1" in done["error"]
    assert _texts(client, pid) == []


def test_reimport_in_the_background(client: TestClient) -> None:
    pid = make_project(client, TEXT_CONFIG)
    r = client.post(
        f"/api/projects/{pid}/import",
        params={"commit_to_project": "false"},
        files=[("file", ("a.txt", b"one\ntwo\n", "text/plain"))],
    )
    ids = r.json()["file_upload_ids"]
    r = client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": ids, "async": True})
    assert r.status_code == 201, r.text
    assert _poll(client, pid, r.json()["import"])["task_count"] == 2
    assert _texts(client, pid) == ["one", "two"]
    bad = client.post(f"/api/projects/{pid}/reimport", json={"file_upload_ids": ids, "async": "yes"})
    assert bad.status_code == 400 and "async must be true or false" in bad.json()["detail"]


def test_a_queued_import_reports_the_progress_its_job_row_holds(
    db: Session, settings: Settings, admin: User
) -> None:
    """No runner here: the row is what another process would see of a job running elsewhere."""
    from labelwise.services import import_runs, projects
    from labelwise.services.intake import Intake

    user = db.get(User, admin.id)
    assert user is not None
    project = projects.create(db, user, {"title": "p", "label_config": TEXT_CONFIG})
    stored = Intake(db, settings, project, user).stage([("a.txt", io.BytesIO(b"one\ntwo\n"))])  # type: ignore[list-item]
    imp = import_runs.queue(db, project, user, stored, False)
    assert imp.status == "created"
    assert import_runs.progress(db, imp) == {"done": 0, "total": None}
    job = import_runs.job_of(db, imp)
    assert job is not None and job.params["file_upload_ids"] == [stored[0].id]
    db.execute(update(Job).where(Job.id == job.id).values(progress_done=4, progress_total=8))
    db.commit()
    assert import_runs.progress(db, imp) == {"done": 4, "total": 8}
    imp.status = "completed"
    assert import_runs.progress(db, imp) is None
