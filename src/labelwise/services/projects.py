"""Projects: creation, settings, the parsed labeling config, deletion."""

from __future__ import annotations

import shutil
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from labelwise import labeling
from labelwise.db.attach import attach
from labelwise.db.base import table
from labelwise.db.engine import begin_write
from labelwise.db.models import Project, User
from labelwise.db.prepared import Prepared
from labelwise.services import activity, aggregation, checks, distribution, events, quality_control
from labelwise.services.errors import Invalid, NotFound
from labelwise.settings import Settings

DEFAULT_CONFIG = "<View></View>"

# Fields a client may set on create/patch, with the type each must have.
EDITABLE: dict[str, type | tuple[type, ...]] = {
    "title": str,
    "description": str,
    "label_config": str,
    "expert_instruction": str,
    "show_instruction": bool,
    "show_skip_button": bool,
    "enable_empty_annotation": bool,
    "show_annotation_history": bool,
    "maximum_annotations": int,
    "sampling": str,
    "is_published": bool,
    "is_draft": bool,
    "color": str,
    "model_version": str,
}
# Team-workflow flags kept in `Project.settings` (JSON; no column, no migration per flag), set by top-level
# fields of create/patch and answered as top-level fields of the project JSON.
SETTINGS: dict[str, type] = {
    # A task is done only when a reviewer accepted (or fixed) its annotations (services/counters.py).
    "require_review": bool,
    # Annotators see only their own results (services/access.py); unset: blind when overlap is above 1.
    "blind": bool,
    # Method per control tag for aggregated labels (services/aggregation.py checks names and methods).
    "aggregation": dict,
}
SAMPLINGS = ("Sequential sampling", "Uniform sampling", "Uncertainty sampling")
MAX_TITLE = 255


def schema(project: Project) -> labeling.Schema:
    """The parsed config; parsing is cached by config text inside `labeling`."""
    return schema_of(project.label_config)


def schema_of(label_config: str | None) -> labeling.Schema:
    return labeling.parse_config(label_config or DEFAULT_CONFIG)


def validate_config(xml: str) -> labeling.Schema:
    try:
        return labeling.parse_config(xml)
    except labeling.ConfigError as exc:
        raise Invalid(f"label_config: {exc}", {"label_config": [str(exc)]}) from exc


_PROJECTS = table(Project)
_BY_ID = Prepared(select(_PROJECTS).where(_PROJECTS.c.id == bindparam("pid")))


def get(db: Session, project_id: int) -> Project:
    """Every project route starts here: one prepared statement, attached without the ORM (db/attach.py)."""
    if not checks.is_id(project_id):
        raise NotFound(f"project {project_id} not found")
    known = db.identity_map.get(identity_key(Project, project_id))
    if isinstance(known, Project):
        return known
    rows = _BY_ID.run(db, {"pid": project_id})
    if not rows:
        raise NotFound(f"project {project_id} not found")
    return attach(db, Project, _PROJECTS.c.keys(), rows[0])


def _flags(fields: dict[str, Any]) -> dict[str, Any]:
    """The `settings` flags among the fields, type-checked (a 400 naming the field)."""
    out: dict[str, Any] = {}
    for key, want in SETTINGS.items():
        if key in fields:
            value = fields[key]
            if not isinstance(value, want):
                raise Invalid(f"{key} must be {want.__name__}", {key: [f"must be {want.__name__}"]})
            out[key] = value
    return out


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, value in fields.items():
        want = EDITABLE.get(key)
        if want is None:
            continue  # Label Studio clients send many read-only or unsupported fields; ignore them
        if value is None and key in ("description", "expert_instruction", "model_version"):
            value = ""
        if (want is int and isinstance(value, bool)) or not isinstance(value, want):
            errors[key] = [f"must be {want.__name__ if isinstance(want, type) else want}"]
            continue
        out[key] = value
    for key, limit in (("title", MAX_TITLE), ("color", 16), ("model_version", 255), ("sampling", 40)):
        if key in out and len(out[key]) > limit:
            errors[key] = [f"at most {limit} characters"]
    for key, value in out.items():
        if isinstance(value, str) and "\x00" in value:
            errors[key] = ["must not contain NUL characters"]
    if "maximum_annotations" in out and not 1 <= out["maximum_annotations"] <= 1000:
        errors["maximum_annotations"] = ["must be between 1 and 1000"]
    if "sampling" in out and out["sampling"] not in SAMPLINGS:
        errors["sampling"] = [f"must be one of {', '.join(SAMPLINGS)}"]
    if errors:
        first = next(iter(errors))
        raise Invalid(f"{first}: {errors[first][0]}", errors)
    if "label_config" in out:
        validate_config(out["label_config"])
    return out


def create(db: Session, user: User, fields: dict[str, Any]) -> Project:
    begin_write(db)
    values = _clean(fields)
    flags = {**_flags(fields), **distribution.clean(fields), **quality_control.clean(fields)}
    flags.update(aggregation.clean(fields, values.get("label_config") or DEFAULT_CONFIG))
    project = Project(created_by_id=user.id, settings=flags, **values)
    db.add(project)
    db.flush()
    activity.record(db, user, "project.created", "project", project.id, {"title": project.title}, project.id)
    events.emit(db, "PROJECT_CREATED", project.id, events.project_payload(project))
    db.commit()
    return project


def update(db: Session, project: Project, user: User, fields: dict[str, Any]) -> Project:
    begin_write(db)
    values = _clean(fields)
    flags = {**_flags(fields), **distribution.clean(fields), **quality_control.clean(fields)}
    flags.update(aggregation.clean(fields, values.get("label_config", project.label_config)))
    if "label_config" in values and values["label_config"] != project.label_config:
        from labelwise.services import config_change

        config_change.require_no_orphans(db, project, values["label_config"])
    for key, value in values.items():
        setattr(project, key, value)
    changed = {k: v for k, v in flags.items() if (project.settings or {}).get(k) != v}
    if changed:
        project.settings = {**(project.settings or {}), **changed}  # a new dict, so the change is seen
    if "maximum_annotations" in values or {"require_review", *quality_control.RELABEL} & changed.keys():
        from labelwise.services import counters

        db.flush()
        counters.relabel_project(db, project)
    activity.record(
        db,
        user,
        "project.updated",
        "project",
        project.id,
        {"fields": sorted([*values, *changed])},
        project.id,
    )
    events.emit(db, "PROJECT_UPDATED", project.id, events.project_payload(project))
    db.commit()
    return project


def delete(db: Session, project: Project, user: User, settings: Settings | None = None) -> None:
    """Rows go by cascade; with `settings`, the project's files on disk (uploads, export
    snapshots) go too, after the commit, so a failed delete never loses a file."""
    begin_write(db)
    project_id = project.id
    activity.record(db, user, "project.deleted", "project", project_id, {"title": project.title}, project_id)
    events.emit(db, "PROJECT_DELETED", project_id, events.project_payload(project))
    db.delete(project)
    db.commit()
    if settings is not None:
        shutil.rmtree(settings.data_dir / "media" / "upload" / str(project_id), ignore_errors=True)
        for path in (settings.data_dir / "exports").glob(f"project-{project_id}-export-*"):
            path.unlink(missing_ok=True)


def page(
    db: Session, page: int, page_size: int, ordering: str = "-id", only: list[int] | None = None
) -> tuple[int, list[Project]]:
    """One page of projects; `only` limits it to those ids (a reviewer's or annotator's projects)."""
    counted = select(func.count()).select_from(Project)
    query = select(Project)
    if only is not None:
        counted = counted.where(Project.id.in_(only))
        query = query.where(Project.id.in_(only))
    total = db.scalar(counted) or 0
    order = Project.id.desc() if ordering.startswith("-") else Project.id.asc()
    rows = db.scalars(query.order_by(order).offset((page - 1) * page_size).limit(page_size))
    return total, list(rows)


def get_for_task(task: Any) -> Project:
    """The project of a task loaded in the same session."""
    from sqlalchemy.orm import object_session

    db = object_session(task)
    assert db is not None
    return get(db, task.project_id)
