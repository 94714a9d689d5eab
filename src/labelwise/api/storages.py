"""Label Studio's storage API for local directories (`/api/storages/localfiles`) and the list of
all storages (`/api/storages`), with the fields `label-studio-sdk` reads."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import Project, Storage, User
from labelwise.services import checks, projects
from labelwise.storage import local

router = Router(tags=["storage"])


def _out(s: Storage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.id,
        "type": s.type,
        "project": s.project_id,
        "title": s.title,
        "description": s.description,
        "regex_filter": s.regex_filter or None,
        "use_blob_urls": s.use_blob_urls,
        "recursive_scan": s.recursive_scan,
        "synchronizable": True,
        "status": s.status,
        "last_sync": s.last_sync,
        "last_sync_count": s.last_sync_count,
        "last_sync_job": s.last_sync_job,
        "traceback": s.traceback or None,
        "meta": {},
        "created_at": s.created_at,
    }
    if s.type == local.TYPE:
        out["path"] = s.settings.get("path")
    return out


def _project_of(db: Session, user: User, action: str, storage: Storage) -> Project:
    project = projects.get(db, storage.project_id)
    policies.require(user, action, project)
    return project


def _listed(db: Session, user: User, project: int | None, kind: str | None) -> list[dict[str, Any]]:
    if project is not None:
        policies.require(user, "project.view", projects.get(db, checks.as_id(project, "project")))
    else:
        policies.require(user, "project.view")
    return [_out(s) for s in local.listing(db, project, kind)]


@router.get("/api/storages")
def list_all(user: CurrentUser, db: SessionDep, project: int | None = None) -> list[dict[str, Any]]:
    return _listed(db, user, project, None)


@router.get("/api/storages/localfiles")
def list_local(user: CurrentUser, db: SessionDep, project: int | None = None) -> list[dict[str, Any]]:
    return _listed(db, user, project, local.TYPE)


@router.post("/api/storages/localfiles", status_code=201)
def create_local(body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    data = json_object(body)
    project = projects.get(db, checks.as_id(data.get("project"), "project"))
    policies.require(user, "project.change", project)
    return _out(local.create(db, settings, project, user, data))


@router.post("/api/storages/localfiles/validate")
def validate_local(
    body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Checks a create body, or with `id` an update of that storage; `{}` when it would pass."""
    data = json_object(body)
    storage = None
    if data.get("id") is not None:
        storage = local.get(db, checks.as_id(data["id"], "id"))
        _project_of(db, user, "project.change", storage)
    if data.get("project") is not None:
        policies.require(user, "project.change", projects.get(db, checks.as_id(data["project"], "project")))
    else:
        policies.require(user, "project.change")
    local.validate(db, settings, data, storage)
    return {}


@router.get("/api/storages/localfiles/{storage_id}")
def get_local(storage_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    storage = local.get(db, storage_id)
    _project_of(db, user, "project.view", storage)
    return _out(storage)


@router.patch("/api/storages/localfiles/{storage_id}")
def update_local(
    storage_id: int, body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    storage = local.get(db, storage_id)
    _project_of(db, user, "project.change", storage)
    return _out(local.update(db, settings, storage, user, json_object(body)))


@router.delete("/api/storages/localfiles/{storage_id}", status_code=204)
def delete_local(storage_id: int, user: CurrentUser, db: SessionDep) -> Response:
    storage = local.get(db, storage_id)
    _project_of(db, user, "project.change", storage)
    local.delete(db, storage, user)
    return Response(status_code=204)


@router.post("/api/storages/localfiles/{storage_id}/sync")
def sync_local(storage_id: int, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    storage = local.get(db, storage_id)
    _project_of(db, user, "project.change", storage)
    return _out(local.sync(db, settings, storage, user))
