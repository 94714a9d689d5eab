"""Importing tasks into a project: a JSON body or uploaded files, all or nothing."""

from __future__ import annotations

import time
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from labelwise import labeling, policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep, json_object
from labelwise.api.responses import JSON
from labelwise.api.router import Router
from labelwise.db.models import FileUpload, Import, Project
from labelwise.io import jsonin
from labelwise.services import checks, import_runs, imports, predictions, projects
from labelwise.services.errors import Invalid, NotFound
from labelwise.services.intake import Intake, chosen_uploads

router = Router(tags=["import"])


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


MAX_UPLOAD_FILES = 1000


def _url_of(raw: bytes, schema: labeling.Schema) -> str | None:
    """The URL of a `{"url": ...}` body, the file to download; None for tasks.

    When the config itself reads `$url`, such a body is a task, as in Label Studio.
    """
    if "url" in schema.data_keys or not raw.lstrip().startswith(b"{") or b'"url"' not in raw[:4096]:
        return None
    body = jsonin.loads(raw, "body")
    if isinstance(body, dict) and set(body) == {"url"}:
        if not isinstance(body["url"], str):
            raise Invalid("url: must be a string", {"url": ["not a string"]})
        return body["url"]
    return None


def _answer(
    request: Request, project: Project, result: imports.Result, formats: dict[str, int], started: float
) -> JSON:
    out: dict[str, Any] = {
        "task_count": result.task_count,
        "annotation_count": result.annotation_count,
        "prediction_count": result.prediction_count,
        "predictions_count": result.prediction_count,
        "skipped_duplicates": result.skipped_duplicates,
        "duration": round(time.perf_counter() - started, 3),
        "file_upload_ids": result.file_upload_ids,
        "could_be_tasks_list": False,
        "found_formats": formats,
        "data_columns": result.data_columns,
    }
    # No "import" key: the legacy SDK client would take the import for asynchronous and poll it.
    if _truthy(request.query_params.get("return_task_ids")):
        out["task_ids"] = result.task_ids
    location = f"/api/projects/{project.id}/imports/{result.import_id}"
    return JSON(out, status_code=201, headers={"Location": location})


def _staged(request: Request, stored: list[FileUpload], formats: dict[str, int], started: float) -> JSON:
    """The answer to an upload that does not import yet (`commit_to_project=false`)."""
    tasks_list = len(stored) == 1 and stored[0].kind in ("csv", "tsv", "txt")
    return JSON(
        {
            "task_count": 0,
            "annotation_count": 0,
            "prediction_count": 0,
            "duration": round(time.perf_counter() - started, 3),
            "file_upload_ids": [u.id for u in stored],
            "could_be_tasks_list": tasks_list,
            "found_formats": formats,
            "data_columns": [],
        },
        status_code=201,
    )


@router.post("/api/projects/{project_id}/import", status_code=201)
async def import_tasks(
    project_id: int, request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> JSON:
    """A JSON list of tasks, uploaded files (any number, any supported format, media files
    included) or `{"url": ...}`. `commit_to_project=false` only stores the files, for `reimport`;
    `skip_duplicates=true` leaves out tasks whose data the project already holds."""
    started = time.perf_counter()
    project = await run_in_threadpool(projects.get, db, project_id)
    policies.require(user, "project.import", project)
    schema = projects.schema(project)
    intake = Intake(db, settings, project, user)
    dedup = _truthy(request.query_params.get("skip_duplicates"))
    commit = request.query_params.get("commit_to_project", "true").lower() not in ("0", "false", "no")
    background = _truthy(request.query_params.get("async"))
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded"):  # Label Studio's URL import
        url = (await request.form()).get("url")
        if not isinstance(url, str) or not url:
            raise Invalid("url: give the URL of a file of tasks", {"url": ["required"]})
        result = await run_in_threadpool(intake.url, url, dedup)
    elif ctype.startswith("multipart/form-data"):
        form = await request.form(max_files=MAX_UPLOAD_FILES)
        files = [(v.filename or "upload", v.file) for _, v in form.multi_items() if isinstance(v, UploadFile)]
        url = form.get("url")
        if not files and isinstance(url, str) and url:
            result = await run_in_threadpool(intake.url, url, dedup)
        elif not files:
            raise Invalid("no files in the upload", {"file": ["required"]})
        elif not commit or background:
            stored = await run_in_threadpool(intake.stage, files)
            if background:
                imp = await run_in_threadpool(import_runs.queue, db, project, user, stored, dedup)
                return _queued(project, imp, intake.formats)
            return _staged(request, stored, intake.formats, started)
        else:
            result = await run_in_threadpool(intake.files, files, dedup)
    else:
        raw = await request.body()
        if len(raw) > settings.max_import_bytes:
            raise Invalid(f"request body exceeds {settings.max_import_bytes} bytes", {"body": ["too large"]})
        if not raw.strip():
            raise Invalid("empty request body; send a JSON list of tasks", {"body": ["empty"]})
        url = _url_of(raw, schema)
        if url is not None:
            result = await run_in_threadpool(intake.url, url, dedup)
        else:
            raw_items = jsonin.loads(raw, "body")

            def work() -> imports.Result:
                items = imports.parse_items(schema, raw_items)
                flat = isinstance(raw_items, list) and imports.all_flat(items)
                return imports.store(db, project, user, items, raw.decode() if flat else None, dedup)

            result = await run_in_threadpool(work)
    return _answer(request, project, result, intake.formats, started)


@router.post("/api/projects/{project_id}/reimport", status_code=201)
def reimport(
    project_id: int,
    request: Request,
    body: JsonBody,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
) -> JSON:
    """Import files stored earlier by `import?commit_to_project=false`: `{"file_upload_ids": [...]}`."""
    started = time.perf_counter()
    project = projects.get(db, project_id)
    policies.require(user, "project.import", project)
    data = json_object(body)
    chosen = chosen_uploads(db, project, data.get("file_upload_ids"))
    dedup = checks.flag(data, "skip_duplicates")
    if checks.flag(data, "async"):
        return _queued(project, import_runs.queue(db, project, user, chosen, dedup), {})
    intake = Intake(db, settings, project, user)
    result = intake.store((r for u in chosen for r in intake.staged(u)), dedup)
    return _answer(request, project, result, intake.formats, started)


def _queued(project: Project, imp: Import, formats: dict[str, int]) -> JSON:
    """A background import's first answer: the id to poll (Label Studio's asynchronous shape)."""
    location = f"/api/projects/{project.id}/imports/{imp.id}"
    return JSON(
        {"import": imp.id, "file_upload_ids": imp.file_upload_ids, "found_formats": formats},
        status_code=201,
        headers={"Location": location},
    )


@router.post("/api/projects/{project_id}/import/predictions", status_code=201)
def import_predictions(project_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """A list of `{task, result, score, model_version}`; all stored, or none if one is invalid."""
    project = projects.get(db, project_id)
    policies.require(user, "prediction.change", project)
    created = predictions.create_many(db, project, user, body)
    return {"created": created}


@router.get("/api/projects/{project_id}/imports/{import_id}")
def get_import(project_id: int, import_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    project = projects.get(db, project_id)
    policies.require(user, "project.import", project)
    imp = imports.get(db, project, import_id)
    if imp is None:
        raise NotFound(f"import {import_id} not found in project {project_id}")
    return {
        "id": imp.id,
        "project": imp.project_id,
        "status": imp.status,
        "error": imp.error or None,
        "created_at": imp.created_at,
        "updated_at": imp.finished_at or imp.created_at,
        "finished_at": imp.finished_at,
        "task_count": imp.task_count,
        "annotation_count": imp.annotation_count,
        "prediction_count": imp.prediction_count,
        "duration": imp.duration,
        "file_upload_ids": imp.file_upload_ids,
        "found_formats": imp.found_formats,
        "data_columns": imp.data_columns,
        "progress": import_runs.progress(db, imp),
        "could_be_tasks_list": False,
        "commit_to_project": True,
        "return_task_ids": False,
        "tasks": None,
        "url": None,
        "preannotated_from_fields": None,
    }
