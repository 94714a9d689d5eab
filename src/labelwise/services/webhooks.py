"""Webhooks: where to tell whom about what (Label Studio's `/api/webhooks` fields).

A webhook belongs to a project, or to the organization when `project` is null (then it hears every
project). Its URL is checked against the SSRF guard when saved (a 400 naming `url`) and again at
every connection (`services.deliveries`). `secret` is write-only: it signs deliveries and is never
returned; responses say `has_secret`. Every change drops the process's cache of active webhooks
(`events.forget`) after the commit, so the next event sees it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Project, User, Webhook, WebhookDelivery
from labelwise.services import activity, checks, events
from labelwise.services.errors import Invalid, NotFound
from labelwise.storage import fetch

MAX_URL = 2048
MAX_SECRET = 128
MAX_HEADERS = 20
MAX_HEADER_VALUE = 1000
# Headers a webhook may not set: the transport's own, and the ones that carry Labelwise's signature.
RESERVED_HEADERS = frozenset({"host", "content-length", "content-type", "transfer-encoding", "connection"})
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$")
FIELDS = (
    "url",
    "send_payload",
    "send_for_all_actions",
    "headers",
    "is_active",
    "actions",
    "secret",
    "project",
)


def out(hook: Webhook) -> dict[str, Any]:
    return {
        "id": hook.id,
        "organization": 1,
        "project": hook.project_id,
        "url": hook.url,
        "send_payload": hook.send_payload,
        "send_for_all_actions": hook.send_for_all_actions,
        "headers": hook.headers or {},
        "is_active": hook.is_active,
        "actions": list(hook.actions or []),
        "has_secret": bool(hook.secret),
        "consecutive_failures": hook.consecutive_failures,
        "created_at": hook.created_at,
        "updated_at": hook.updated_at,
    }


def delivery_out(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "webhook": d.webhook_id,
        "action": d.action,
        "status": d.status,
        "attempts": d.attempts,
        "response_code": d.response_code,
        "error": d.error,
        "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
    }


def info(organization_only: bool | None = None) -> dict[str, dict[str, Any]]:
    """Label Studio's `/api/webhooks/info`: each action with its name and description."""
    return {
        key: {"key": key, "name": name, "description": text, "organization-only": org}
        for key, (name, text, org) in events.ACTIONS.items()
        if organization_only is None or org == organization_only
    }


def get(db: Session, webhook_id: int) -> Webhook:
    hook = db.get(Webhook, webhook_id) if checks.is_id(webhook_id) else None
    if hook is None:
        raise NotFound(f"webhook {webhook_id} not found")
    return hook


def project_for(db: Session, value: Any) -> Project | None:
    """The project a body or query names (None: the organization); a 400 or 404 when it is wrong."""
    project_id = checks.optional_id(value, "project")
    if project_id is None:
        return None
    project = db.get(Project, project_id)
    if project is None:
        raise Invalid(f"project {project_id} does not exist", {"project": [f"no project {project_id}"]})
    return project


def listing(db: Session, project: Project | None) -> list[Webhook]:
    """The project's webhooks, or every webhook when no project is named."""
    query = select(Webhook).order_by(Webhook.id)
    if project is not None:
        query = query.where(Webhook.project_id == project.id)
    return list(db.scalars(query))


def _url(value: Any, policy: fetch.Policy) -> str:
    url = checks.text(value, "url", MAX_URL).strip()
    if not url:
        raise Invalid("url is required", {"url": ["required"]})
    fetch.check_url(url, policy)  # FetchError: a 400 naming `url`
    return url


def _headers(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid(
            "headers must be an object of header names to values", {"headers": ["expected an object"]}
        )
    if len(value) > MAX_HEADERS:
        raise Invalid(f"at most {MAX_HEADERS} headers", {"headers": ["too many"]})
    out: dict[str, str] = {}
    for name, raw in value.items():
        if not _TOKEN.match(name):
            raise Invalid(
                f"{name[:60]!r} is not a valid header name", {"headers": [f"bad name {name[:60]!r}"]}
            )
        low = name.lower()
        if low in RESERVED_HEADERS or low.startswith("x-labelwise-"):
            raise Invalid(f"the {name} header is set by Labelwise", {"headers": [f"{name} is reserved"]})
        text = checks.text(raw, "headers", MAX_HEADER_VALUE)
        if any(c in text for c in "\r\n"):
            raise Invalid(f"the value of {name} must be one line", {"headers": [f"{name}: line break"]})
        out[name] = text
    return out


def _actions(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise Invalid("actions must be a list of action names", {"actions": ["expected a list of strings"]})
    unknown = [a for a in value if a not in events.ACTIONS]
    if unknown:
        raise Invalid(
            f"unknown action {unknown[0][:60]!r}; GET /api/webhooks/info lists them",
            {"actions": [f"unknown {a[:60]!r}" for a in unknown[:5]]},
        )
    return sorted(set(value), key=list(events.ACTIONS).index)


def _secret(value: Any) -> str:
    if value is None:
        return ""
    return checks.text(value, "secret", MAX_SECRET)


def _values(body: dict[str, Any], policy: fetch.Policy, current: Webhook | None = None) -> dict[str, Any]:
    """The checked new values of the fields `body` names; nothing is written, so a bad field
    leaves the webhook as it was (and the URL's name is resolved outside any write transaction)."""
    out: dict[str, Any] = {}
    if "url" in body:
        out["url"] = _url(body["url"], policy)
    for name in ("send_payload", "send_for_all_actions", "is_active"):
        if name in body:
            default = getattr(current, name) if current is not None else True
            out[name] = checks.flag(body, name, default)
    if "headers" in body:
        out["headers"] = _headers(body["headers"])
    if "actions" in body:
        out["actions"] = _actions(body["actions"])
    if "secret" in body:
        out["secret"] = _secret(body["secret"])
    return out


def _unknown(body: dict[str, Any]) -> None:
    extra = sorted(set(body) - set(FIELDS) - {"id", "organization", "created_at", "updated_at", "has_secret"})
    if extra:
        raise Invalid(f"unknown field {extra[0][:60]!r}", {extra[0][:60]: ["unknown field"]})


def create(
    db: Session, user: User, project: Project | None, body: dict[str, Any], policy: fetch.Policy
) -> Webhook:
    _unknown(body)
    if "url" not in body:
        raise Invalid("url is required", {"url": ["required"]})
    hook = Webhook(
        project_id=project.id if project else None,
        url="",
        send_payload=True,
        send_for_all_actions=True,
        headers={},
        is_active=True,
        actions=[],
        secret="",
        consecutive_failures=0,
        created_by_id=user.id,
    )
    for name, value in _values(body, policy).items():  # every check before the write transaction
        setattr(hook, name, value)
    begin_write(db)
    db.add(hook)
    db.flush()
    activity.record(
        db, user, "webhook.created", "webhook", hook.id, {"url": fetch.shown(hook.url)}, hook.project_id
    )
    db.commit()
    events.forget(db)
    return hook


def update(db: Session, hook: Webhook, user: User, body: dict[str, Any], policy: fetch.Policy) -> Webhook:
    _unknown(body)
    if "project" in body and checks.optional_id(body["project"], "project") != hook.project_id:
        raise Invalid("a webhook cannot move to another project", {"project": ["cannot be changed"]})
    values = _values(body, policy, hook)
    begin_write(db)
    hook = get(db, hook.id)
    for name, value in values.items():
        setattr(hook, name, value)
    changed = sorted(values)
    if values.get("is_active"):
        hook.consecutive_failures = 0
    hook.updated_at = utcnow()
    activity.record(db, user, "webhook.updated", "webhook", hook.id, {"fields": changed}, hook.project_id)
    db.commit()
    events.forget(db)
    return hook


def delete(db: Session, hook: Webhook, user: User) -> None:
    begin_write(db)
    activity.record(
        db, user, "webhook.deleted", "webhook", hook.id, {"url": fetch.shown(hook.url)}, hook.project_id
    )
    db.delete(hook)
    db.commit()
    events.forget(db)


def deliveries(
    db: Session, hook: Webhook, limit: int = 50, before: int | None = None
) -> list[WebhookDelivery]:
    """The webhook's delivery log, newest first, a page by key (`before` an id)."""
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    return list(db.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))
