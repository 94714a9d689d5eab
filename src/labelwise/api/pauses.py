"""Annotator pauses, at Label Studio Enterprise's `/api/projects/{id}/members/{user}/pauses` paths."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.api.serializers import user_simple
from labelwise.db.models import Pause, Project, User
from labelwise.services import pauses, projects
from labelwise.services.errors import Invalid

router = Router(tags=["pauses"])


def _out(db: Session, p: Pause) -> dict[str, Any]:
    by = db.get(User, p.paused_by_id) if p.paused_by_id else None
    return {
        "id": p.id,
        "project": p.project_id,
        "user": p.user_id,
        "paused_by": user_simple(by) if by is not None else None,
        "reason": p.reason,
        "verbose_reason": p.verbose_reason,
        "deleted_by": p.deleted_by_id,
        "deleted_at": p.deleted_at,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def _manage(db: Session, user: User, project_id: int) -> Project:
    project = projects.get(db, project_id)
    policies.require(user, "member.pause", project)
    return project


def _flag(raw: str | None) -> bool:
    if raw is None or raw in ("false", "False", "0", ""):
        return False
    if raw in ("true", "True", "1"):
        return True
    raise Invalid("include_deleted must be true or false", {"include_deleted": ["true or false"]})


@router.get("/api/projects/{project_id}/members/{user_pk}/pauses")
def list_pauses(
    project_id: int, user_pk: int, request: Request, user: CurrentUser, db: SessionDep
) -> list[dict[str, Any]]:
    """Active pauses; `?include_deleted=true` adds ended ones; `?ordering=-created_at`."""
    project = _manage(db, user, project_id)
    q = request.query_params
    rows = pauses.listing(db, project, user_pk, _flag(q.get("include_deleted")), q.get("ordering"))
    return [_out(db, p) for p in rows]


@router.post("/api/projects/{project_id}/members/{user_pk}/pauses", status_code=201)
def pause(project_id: int, user_pk: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """`{"reason": "MANUAL", "verbose_reason": "shown to the annotator"}`."""
    project = _manage(db, user, project_id)
    return _out(db, pauses.create(db, project, user, user_pk, json_object(body)))


@router.get("/api/projects/{project_id}/members/{user_pk}/pauses/{pause_id}")
def get_pause(
    project_id: int, user_pk: int, pause_id: int, user: CurrentUser, db: SessionDep
) -> dict[str, Any]:
    project = _manage(db, user, project_id)
    return _out(db, pauses.get(db, project, user_pk, pause_id))


@router.patch("/api/projects/{project_id}/members/{user_pk}/pauses/{pause_id}")
def change_pause(
    project_id: int, user_pk: int, pause_id: int, body: JsonBody, user: CurrentUser, db: SessionDep
) -> dict[str, Any]:
    project = _manage(db, user, project_id)
    found = pauses.get(db, project, user_pk, pause_id)
    return _out(db, pauses.update(db, found, user, json_object(body)))


@router.delete("/api/projects/{project_id}/members/{user_pk}/pauses/{pause_id}", status_code=204)
def resume(project_id: int, user_pk: int, pause_id: int, user: CurrentUser, db: SessionDep) -> Response:
    """Resume: the pause gets `deleted_at` (kept for the record)."""
    project = _manage(db, user, project_id)
    pauses.resume(db, pauses.get(db, project, user_pk, pause_id), user)
    return Response(status_code=204)
