"""Label Studio's storage API: `/api/storages/localfiles` and `/api/storages/s3`, one set of
routes per type, and the list of all storages (`/api/storages`), with the fields
`label-studio-sdk` reads. Secrets a type keeps (S3 keys) are never in a response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Response
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import Project, Storage, User
from labelwise.services import checks, projects
from labelwise.storage import local, s3, sync

router = Router(tags=["storage"])
# Each type's own fields in a response.
PUBLIC: dict[str, Callable[[Storage], dict[str, Any]]] = {
    local.TYPE: lambda s: {"path": s.settings.get("path")},
    s3.TYPE: s3.public,
}


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
    public = PUBLIC.get(s.type)
    if public is not None:
        out.update(public(s))
    return out


def _project_of(db: Session, user: User, action: str, storage: Storage) -> Project:
    project = projects.get(db, storage.project_id)
    policies.require(user, action, project)
    return project


def _listed(db: Session, user: User, project: int | None, kind: str | None) -> list[dict[str, Any]]:
    # Storage settings (buckets, prefixes, paths) are a manager's business, not an annotator's.
    if project is not None:
        policies.require(user, "project.change", projects.get(db, checks.as_id(project, "project")))
    else:
        policies.require(user, "project.change")
    return [_out(s) for s in sync.listing(db, project, kind)]


@router.get("/api/storages")
def list_all(user: CurrentUser, db: SessionDep, project: int | None = None) -> list[dict[str, Any]]:
    return _listed(db, user, project, None)


def _routes(kind: sync.Kind) -> None:
    """The six Label Studio endpoints of one storage type."""
    base = f"/api/storages/{kind.type}"
    name = kind.type.replace("-", "_")

    def list_kind(user: CurrentUser, db: SessionDep, project: int | None = None) -> list[dict[str, Any]]:
        return _listed(db, user, project, kind.type)

    def create(body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
        data = json_object(body)
        project = projects.get(db, checks.as_id(data.get("project"), "project"))
        policies.require(user, "project.change", project)
        return _out(kind.create(db, settings, project, user, data))

    def validate(body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
        """Checks a create body, or with `id` an update of that storage; `{}` when it would pass."""
        data = json_object(body)
        storage = None
        if data.get("id") is not None:
            storage = kind.get(db, checks.as_id(data["id"], "id"))
            _project_of(db, user, "project.change", storage)
        if data.get("project") is not None:
            policies.require(
                user, "project.change", projects.get(db, checks.as_id(data["project"], "project"))
            )
        else:
            policies.require(user, "project.change")
        kind.validate(db, settings, data, storage)
        return {}

    def get(storage_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
        storage = kind.get(db, storage_id)
        _project_of(db, user, "project.change", storage)
        return _out(storage)

    def update(
        storage_id: int, body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep
    ) -> dict[str, Any]:
        storage = kind.get(db, storage_id)
        _project_of(db, user, "project.change", storage)
        return _out(kind.update(db, settings, storage, user, json_object(body)))

    def delete(storage_id: int, user: CurrentUser, db: SessionDep) -> Response:
        storage = kind.get(db, storage_id)
        _project_of(db, user, "project.change", storage)
        kind.delete(db, storage, user)
        return Response(status_code=204)

    def sync_now(storage_id: int, user: CurrentUser, db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
        storage = kind.get(db, storage_id)
        _project_of(db, user, "project.change", storage)
        return _out(kind.sync(db, settings, storage, user))

    for handler in (list_kind, create, validate, get, update, delete, sync_now):
        handler.__name__ = f"{handler.__name__}_{name}"
    router.get(base)(list_kind)
    router.post(base, status_code=201)(create)
    router.post(f"{base}/validate")(validate)
    router.get(f"{base}/{{storage_id}}")(get)
    router.patch(f"{base}/{{storage_id}}")(update)
    router.delete(f"{base}/{{storage_id}}", status_code=204)(delete)
    router.post(f"{base}/{{storage_id}}/sync")(sync_now)


for _kind in (local.KIND, s3.KIND):
    _routes(_kind)
