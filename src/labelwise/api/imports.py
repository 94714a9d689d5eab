"""Importing tasks into a project: a JSON body or uploaded files, all or nothing."""

from __future__ import annotations

import time
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep
from labelwise.api.responses import JSON
from labelwise.api.router import Router
from labelwise.io import files, jsonin
from labelwise.services import imports, predictions, projects
from labelwise.services.errors import Invalid, NotFound

router = Router(tags=["import"])


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


async def _read_items(
    request: Request, text_key: str | None, limit: int
) -> tuple[Any, dict[str, int], bytes | None, list[str] | None]:
    """Parsed items, the formats seen, the raw JSON body when there was one, and for uploads a
    label per item naming its file and line."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        items: list[Any] = []
        labels: list[str] = []
        formats: dict[str, int] = {}
        uploads = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
        if not uploads:
            raise Invalid("no files in the upload", {"file": ["required"]})
        for upload in uploads:
            content = await upload.read()
            fmt, got, where = files.read(upload.filename or "upload", content, text_key)
            formats[fmt] = formats.get(fmt, 0) + 1
            items.extend(got)
            labels.extend(where)
        return items, formats, None, labels
    raw = await request.body()
    if len(raw) > limit:
        raise Invalid(f"request body exceeds {limit} bytes", {"body": ["too large"]})
    if not raw.strip():
        raise Invalid("empty request body; send a JSON list of tasks", {"body": ["empty"]})
    return jsonin.loads(raw, "body"), {}, raw, None


@router.post("/api/projects/{project_id}/import", status_code=201)
async def import_tasks(
    project_id: int, request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> JSON:
    started = time.perf_counter()
    project = await run_in_threadpool(projects.get, db, project_id)
    policies.require(user, "project.import", project)
    schema = projects.schema(project)
    keys = schema.required_data_keys or schema.data_keys
    text_key = keys[0] if len(keys) == 1 else None
    raw_items, formats, raw, labels = await _read_items(request, text_key, settings.max_import_bytes)

    def work() -> imports.Result:
        items = imports.parse_items(schema, raw_items, labels)
        flat = raw is not None and isinstance(raw_items, list) and imports.all_flat(items)
        return imports.store(db, project, user, items, raw.decode() if flat and raw is not None else None)

    result = await run_in_threadpool(work)
    out: dict[str, Any] = {
        "task_count": result.task_count,
        "annotation_count": result.annotation_count,
        "prediction_count": result.prediction_count,
        "predictions_count": result.prediction_count,
        "duration": round(time.perf_counter() - started, 3),
        "file_upload_ids": [],
        "could_be_tasks_list": False,
        "found_formats": formats,
        "data_columns": result.data_columns,
    }
    # No "import" key: the legacy SDK client would take the import for asynchronous and poll it.
    if _truthy(request.query_params.get("return_task_ids")):
        out["task_ids"] = result.task_ids
    location = f"/api/projects/{project.id}/imports/{result.import_id}"
    return JSON(out, status_code=201, headers={"Location": location})


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
        "could_be_tasks_list": False,
        "commit_to_project": True,
        "return_task_ids": False,
        "tasks": None,
        "url": None,
        "preannotated_from_fields": None,
    }
