"""Label Studio's `/api/webhooks` endpoints, and Labelwise's delivery log of a webhook.

A project's webhooks are managed by the project's managers; the organization's (no project) by
managers of the organization. A webhook of a project the caller may not see is a 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import Project, User, Webhook
from labelwise.services import deliveries, webhooks

router = Router(tags=["webhooks"])


def _allowed(db: Session, user: User, project: Project | None) -> None:
    policies.require(user, "webhook.manage", project, db)


def _hook(db: Session, user: User, webhook_id: int) -> Webhook:
    hook = webhooks.get(db, webhook_id)
    _allowed(db, user, db.get(Project, hook.project_id) if hook.project_id else None)
    return hook


@router.get("/api/webhooks/info")
def webhooks_info(
    user: CurrentUser,
    organization_only: Annotated[bool | None, Query(alias="organization-only")] = None,
) -> dict[str, Any]:
    policies.require(user, "project.view")
    return webhooks.info(organization_only)


@router.get("/api/webhooks")
def list_webhooks(user: CurrentUser, db: SessionDep, project: int | None = None) -> list[dict[str, Any]]:
    """`?project=ID`: that project's webhooks; without it, every webhook (organization managers)."""
    scope = webhooks.project_for(db, project)
    _allowed(db, user, scope)
    return [webhooks.out(h) for h in webhooks.listing(db, scope)]


@router.post("/api/webhooks", status_code=201)
def create_webhook(
    body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    data = json_object(body)
    project = webhooks.project_for(db, data.get("project"))
    _allowed(db, user, project)
    return webhooks.out(webhooks.create(db, user, project, data, deliveries.policy_for(settings)))


@router.get("/api/webhooks/{webhook_id}")
def get_webhook(webhook_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    return webhooks.out(_hook(db, user, webhook_id))


@router.patch("/api/webhooks/{webhook_id}")
def update_webhook(
    webhook_id: int, body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    hook = _hook(db, user, webhook_id)
    return webhooks.out(webhooks.update(db, hook, user, json_object(body), deliveries.policy_for(settings)))


@router.put("/api/webhooks/{webhook_id}")
def replace_webhook(
    webhook_id: int, body: JsonBody, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    hook = _hook(db, user, webhook_id)
    return webhooks.out(webhooks.update(db, hook, user, json_object(body), deliveries.policy_for(settings)))


@router.delete("/api/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: int, user: CurrentUser, db: SessionDep) -> Response:
    webhooks.delete(db, _hook(db, user, webhook_id), user)
    return Response(status_code=204)


@router.get("/api/webhooks/{webhook_id}/deliveries")
def list_deliveries(
    webhook_id: int,
    user: CurrentUser,
    db: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[dict[str, Any]]:
    """The delivery log, newest first; `?before=<id>` pages back."""
    hook = _hook(db, user, webhook_id)
    return [webhooks.delivery_out(d) for d in webhooks.deliveries(db, hook, limit, before)]
