"""Importing tasks into a project: a JSON body or uploaded files, all or nothing."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from labelwise import labeling, policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep
from labelwise.api.responses import JSON
from labelwise.api.router import Router
from labelwise.db.models import Project, User
from labelwise.io import jsonin, readers
from labelwise.services import imports, predictions, projects
from labelwise.services.errors import Invalid, NotFound
from labelwise.settings import Settings
from labelwise.storage import fetch

router = Router(tags=["import"])


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


MAX_UPLOAD_FILES = 1000


def _text_key(schema: labeling.Schema) -> str | None:
    keys = schema.required_data_keys or schema.data_keys
    return keys[0] if len(keys) == 1 else None


def _records(
    name: str, stream: BinaryIO, text_key: str | None, formats: dict[str, int]
) -> Iterator[tuple[str, Any]]:
    """(where, item) pairs of one file, counting its format for the response."""
    fmt = readers.format_of(name)
    formats[fmt] = formats.get(fmt, 0) + 1
    for record in readers.read(name, stream, text_key):
        if record.media is not None:
            raise Invalid(
                f"{record.where}: media files cannot be imported yet; import tasks that point at their URLs",
                {"file": [record.where]},
            )
        yield record.where, record.item


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


@router.post("/api/projects/{project_id}/import", status_code=201)
async def import_tasks(
    project_id: int, request: Request, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> JSON:
    """A JSON list of tasks, uploaded files (any number, any supported format) or `{"url": ...}`."""
    started = time.perf_counter()
    project = await run_in_threadpool(projects.get, db, project_id)
    policies.require(user, "project.import", project)
    schema = projects.schema(project)
    text_key = _text_key(schema)
    formats: dict[str, int] = {}
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded"):  # Label Studio's URL import
        url = (await request.form()).get("url")
        if not isinstance(url, str) or not url:
            raise Invalid("url: give the URL of a file of tasks", {"url": ["required"]})
        result = await run_in_threadpool(_from_url, db, project, user, url, text_key, formats, settings)
    elif ctype.startswith("multipart/form-data"):
        form = await request.form(max_files=MAX_UPLOAD_FILES)
        uploads = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
        url = form.get("url")
        if not uploads and isinstance(url, str) and url:
            result = await run_in_threadpool(_from_url, db, project, user, url, text_key, formats, settings)
        elif not uploads:
            raise Invalid("no files in the upload", {"file": ["required"]})
        else:
            records = (
                r for up in uploads for r in _records(up.filename or "upload", up.file, text_key, formats)
            )
            result = await run_in_threadpool(imports.store_stream, db, project, user, records)
    else:
        raw = await request.body()
        if len(raw) > settings.max_import_bytes:
            raise Invalid(f"request body exceeds {settings.max_import_bytes} bytes", {"body": ["too large"]})
        if not raw.strip():
            raise Invalid("empty request body; send a JSON list of tasks", {"body": ["empty"]})
        url = _url_of(raw, schema)
        if url is not None:
            result = await run_in_threadpool(_from_url, db, project, user, url, text_key, formats, settings)
        else:
            raw_items = jsonin.loads(raw, "body")

            def work() -> imports.Result:
                items = imports.parse_items(schema, raw_items)
                flat = isinstance(raw_items, list) and imports.all_flat(items)
                return imports.store(db, project, user, items, raw.decode() if flat else None)

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


def _from_url(
    db: Session,
    project: Project,
    user: User,
    url: str,
    text_key: str | None,
    formats: dict[str, int],
    settings: Settings,
) -> imports.Result:
    """Download through the guarded client (SSRF checks on every hop) into a spool, then read it
    like an upload named after the URL's last path segment."""
    policy = fetch.Policy.from_settings(settings)
    name = urlsplit(url).path.rsplit("/", 1)[-1] or "download.json"
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
        with fetch.open_url(url, policy) as response:
            if not 200 <= response.status_code < 300:
                raise Invalid(
                    f"url: the server answered {response.status_code}", {"url": ["download failed"]}
                )
            for chunk in response.iter_bytes():
                spool.write(chunk)
        spool.seek(0)
        return imports.store_stream(db, project, user, _records(name, spool, text_key, formats))  # type: ignore[arg-type]


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
