"""What the labeling editor is handed for one task: the parsed config and the task, made safe to render.

The page (or the prefetching labeling screen, through `GET /api/tasks/{id}/editor`) receives the schema as
JSON so the browser never parses XML, and the task with every `<HyperText>` value sanitized on the server
(`services.sanitizer`). Everything else in the task reaches the DOM only as text, which the editor modules
guarantee. Media URLs (Image, Audio, AudioPlus, Video values and `valueList` lists) are rewritten to
same-origin URLs (`services.media_proxy`), so the browser never loads from a store or host directly.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.models import Project, User
from labelwise.services import drafts, media_proxy, projects, reviews, sanitizer, tasks


@lru_cache(maxsize=256)
def _schema_json(label_config: str) -> tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]:
    schema = projects.schema_of(label_config)
    return schema.to_json(), _hypertext_keys(schema), media_proxy.media_keys(schema)


def _hypertext_keys(schema: labeling.Schema) -> tuple[str, ...]:
    return tuple(
        obj.value_key
        for obj in schema.objects.values()
        if obj.tag == "HyperText" and obj.value_key and obj.value_type != "url"
    )


def schema_json(project: Project) -> dict[str, Any]:
    """The project's `Schema.to_json()`, computed once per config text (shared: do not mutate)."""
    return _schema_json(project.label_config)[0]


def safe_data(label_config: str, data: dict[str, Any]) -> dict[str, Any]:
    """The task data with its HyperText values sanitized; other values untouched."""
    keys = _schema_json(label_config)[1]
    if not keys:
        return data
    out = dict(data)
    for key in keys:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = sanitizer.hypertext(value)
    return out


def task(db: Session, project: Project, task_id: int) -> dict[str, Any]:
    """The task in Label Studio's JSON shape (annotations and predictions included), data made safe and
    its media URLs same-origin."""
    raw: dict[str, Any] = orjson.loads(orjson.dumps(tasks.one_with_related(db, task_id)))
    data = safe_data(project.label_config, raw.get("data") or {})
    raw["data"] = media_proxy.rewrite(_schema_json(project.label_config)[2], task_id, data)
    return raw


def payload(db: Session, project: Project, task_id: int, user: User | None = None) -> dict[str, Any]:
    """Everything one editor mount needs: `{project: {id, title}, schema, task}`; given the caller, also
    `drafts` (their drafts of this task, newest first) and `my_annotation` (the id of their newest
    annotation of it, or null), so the labeling screen restores work or opens an update in one request; and
    `my_review` (that annotation's review state, the reviewer's comment and who wrote it, or null), so an
    author sees why their work was rejected."""
    out: dict[str, Any] = {
        "project": {"id": project.id, "title": project.title},
        "schema": schema_json(project),
        "task": task(db, project, task_id),
    }
    if user is not None:
        out["drafts"] = [drafts.as_json(d) for d in drafts.for_task(db, task_id, user)]
        mine = [a["id"] for a in out["task"].get("annotations", []) if a.get("completed_by") == user.id]
        out["my_annotation"] = max(mine) if mine else None
        out["my_review"] = reviews.author_view(db, out["my_annotation"])
    return out
