"""Label Studio's export snapshots: an export written to a file in the background, then downloaded,
converted to other formats (each another file) and deleted.

A snapshot is a row in `export_snapshots` and one job per file (kind `export.file`): the first
writes Label Studio JSON, each conversion writes another format. A job streams the project
through `services.exports.stream` into `<data_dir>/exports/<name>.part`, hashing as it writes,
and renames the file when complete, so a half-written file is never served. A conversion reads
the database again with the snapshot's options (not the JSON file), so it sees the tasks as they
are when it runs.

Label Studio's options are accepted and echoed as given; those `exports.stream` can honour are
mapped onto it (see `plan`), the rest are recorded but change nothing yet (README says which).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from labelwise import jobs
from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write, session_scope
from labelwise.db.models import ExportSnapshot, Job, Project, Task, User
from labelwise.io.exporters.selection import ExportOptions
from labelwise.services import activity, checks, exports, projects
from labelwise.services.errors import Conflict, Invalid, NotFound
from labelwise.settings import Settings

KIND = "export.file"
JSON = exports.JSON
CREATED, IN_PROGRESS, FAILED, COMPLETED = "created", "in_progress", "failed", "completed"
LIST_LIMIT = 100  # Label Studio lists the latest 100
MODES = ("only", "exclude")
CHUNK = 1 << 16

# Each option group with its fields and the kind of value each takes.
TASK_FILTER = {
    "view": "id",
    "skipped": "mode",
    "finished": "mode",
    "annotated": "mode",
    "reviewed": "mode",
    "only_with_annotations": "bool",
    "ids": "ids",  # ours: only these task ids
}
ANNOTATION_FILTER = {"usual": "bool", "ground_truth": "bool", "skipped": "bool", "reviewed": "mode"}
SERIALIZATION = {
    "drafts": "only_id",
    "predictions": "only_id",
    "annotations__completed_by": "only_id",
    "include_annotation_history": "bool",
    "interpolate_key_frames": "bool",
}
GROUPS = {
    "task_filter_options": TASK_FILTER,
    "annotation_filter_options": ANNOTATION_FILTER,
    "serialization_options": SERIALIZATION,
}


# Options.
def _value(kind: str, value: Any, field: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        if not isinstance(value, bool):
            raise Invalid(f"{field} must be true or false", {field: ["expected a boolean"]})
        return value
    if kind == "mode":
        if value not in MODES:
            raise Invalid(f"{field} must be one of only, exclude or null", {field: ["invalid choice"]})
        return value
    if kind == "id":
        return checks.optional_id(value, field)
    if kind == "ids":
        if not isinstance(value, list) or len(value) > 100_000:
            raise Invalid(f"{field} must be a list of task ids", {field: ["expected a list of ids"]})
        return [checks.optional_id(v, field) for v in value]
    # only_id: {"only_id": bool}, as both SDK clients send it
    if not isinstance(value, dict):
        raise Invalid(f'{field} must be an object like {{"only_id": true}}', {field: ["expected an object"]})
    return {"only_id": _value("bool", value.get("only_id"), f"{field}.only_id")}


def parse_options(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The three option groups, checked; unknown keys inside a group are dropped, as Label Studio's
    serializer drops them."""
    out: dict[str, dict[str, Any]] = {}
    for group, fields in GROUPS.items():
        raw = body.get(group)
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise Invalid(f"{group} must be an object", {group: ["expected an object"]})
        out[group] = {k: _value(kind, raw[k], f"{group}.{k}") for k, kind in fields.items() if k in raw}
    return out


@dataclass(frozen=True)
class Plan:
    """What `exports.stream` is asked for, derived from a snapshot's options."""

    only_annotated: bool
    ids: list[int] | None
    options: ExportOptions


def plan(options: dict[str, dict[str, Any]]) -> Plan:
    """Map Label Studio's options onto the export's: tasks with annotations only (annotated=only
    or only_with_annotations), a list of ids, ground truth only (ground_truth without usual),
    predictions unless `predictions.only_id` is true (the legacy client's default asks for ids only)."""
    tasks, anns, ser = (options.get(g) or {} for g in GROUPS)
    only_annotated = tasks.get("annotated") == "only" or bool(tasks.get("only_with_annotations"))
    ids = [i for i in tasks.get("ids") or [] if i is not None] or None
    ground_truth_only = anns.get("ground_truth") is True and anns.get("usual") is False
    predictions = ser.get("predictions")
    include_predictions = isinstance(predictions, dict) and predictions.get("only_id") is False
    return Plan(
        only_annotated,
        ids,
        ExportOptions(
            annotations="ground_truth" if ground_truth_only else "all",
            include_predictions=include_predictions,
        ),
    )


# Files.
def export_dir(settings: Settings) -> Path:
    path = settings.ensure_data_dir() / "exports"
    path.mkdir(exist_ok=True)
    return path


def file_name(snapshot: ExportSnapshot, fmt: exports.Choice) -> str:
    """Built from ids and a known format name only, so it is safe on disk and in a header."""
    suffix = "" if fmt.name == JSON else "-" + fmt.name.lower()
    return f"project-{snapshot.project_id}-export-{snapshot.id}{suffix}.{fmt.extension}"


def _path(settings: Settings, name: str) -> Path:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise NotFound("export file not found")
    return export_dir(settings) / name


def _remove(settings: Settings, name: str) -> None:
    for path in (_path(settings, name), _path(settings, name + ".part")):
        path.unlink(missing_ok=True)


# Reads.
def get(db: Session, project: Project, snapshot_id: int) -> ExportSnapshot:
    snapshot = db.get(ExportSnapshot, checks.as_id(snapshot_id, "export_pk"), populate_existing=True)
    if snapshot is None or snapshot.project_id != project.id:
        raise NotFound(f"export {snapshot_id} not found in project {project.id}")
    return snapshot


def listing(db: Session, project: Project) -> list[ExportSnapshot]:
    return list(
        db.scalars(
            select(ExportSnapshot)
            .where(ExportSnapshot.project_id == project.id)
            .order_by(ExportSnapshot.id.desc())
            .limit(LIST_LIMIT)
        )
    )


@dataclass(frozen=True)
class JobState:
    status: str
    error: str
    done: int
    total: int | None


def job_states(db: Session, snapshots: list[ExportSnapshot]) -> dict[int, JobState]:
    """The jobs the snapshots refer to: a job that died without writing its end (given up after
    three attempts) still shows its file as failed, and a running one gives its progress (from
    memory when it runs in this process)."""
    ids = {s.job_id for s in snapshots if s.job_id} | {
        f["job"] for s in snapshots for f in (s.files or {}).values() if isinstance(f.get("job"), int)
    }
    if not ids:
        return {}
    rows = db.execute(
        select(Job.id, Job.status, Job.error, Job.progress_done, Job.progress_total).where(Job.id.in_(ids))
    ).all()
    out = {}
    for job_id, status, error, done, total in rows:
        done, total = jobs.live(job_id) or (done, total)
        out[job_id] = JobState(status, error, done, total)
    return out


def status_of(entry_status: str, job_id: int | None, states: dict[int, JobState]) -> tuple[str, str]:
    """A file's status, failed when its job ended without finishing it."""
    if entry_status in (CREATED, IN_PROGRESS) and job_id is not None:
        state = states.get(job_id, JobState(jobs.FAILED, "the export job is gone", 0, None))
        if state.status in (jobs.FAILED, jobs.CANCELLED):
            return FAILED, state.error or f"the export job was {state.status}"
    return entry_status, ""


# Writes.
def create(db: Session, project: Project, user: User, body: dict[str, Any]) -> ExportSnapshot:
    title = body.get("title")
    title = "" if title is None else checks.text(title, "title", 200)
    options = parse_options(body)
    begin_write(db)
    snapshot = ExportSnapshot(
        project_id=project.id,
        created_by_id=user.id,
        title=title,
        status=IN_PROGRESS,
        options=options,
        files={JSON: {"status": IN_PROGRESS}},
    )
    db.add(snapshot)
    db.flush()
    activity.record(db, user, "export.created", "export", snapshot.id, {"title": title}, project.id)
    job = jobs.submit(
        db, KIND, {"snapshot_id": snapshot.id, "format": JSON}, project_id=project.id, user_id=user.id
    )
    _link(db, snapshot.id, JSON, job.id)
    return get(db, project, snapshot.id)


def choose(project: Project, name: Any, field: str) -> exports.Choice:
    """A format this project can export to; a 400 naming `field` (and what is usable) otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise Invalid(f"{field} is required", {field: ["this field is required"]})
    offered = exports.choices(projects.schema(project))
    for c in offered:
        if c.name == name.strip().upper():
            if c.reason:
                raise Invalid(f"{field} {c.name}: {c.reason}", {field: [c.reason]})
            return c
    usable = ", ".join(c.name for c in offered if c.reason is None)
    raise Invalid(f"{field} {name[:40]!r} is not supported; use one of {usable}", {field: ["unsupported"]})


def convert(db: Session, project: Project, snapshot: ExportSnapshot, export_type: Any) -> tuple[str, int]:
    """Start writing the snapshot in another format; (format, the conversion's id)."""
    fmt = choose(project, export_type, "export_type")
    begin_write(db)
    snapshot = _locked(db, snapshot.id)
    if snapshot.status != COMPLETED:
        raise Conflict(f"export {snapshot.id} is not completed ({snapshot.status}); convert it when it is")
    if fmt.name in snapshot.files:
        raise Invalid(f"Conversion to {fmt.name} already started", {"export_type": ["already converted"]})
    snapshot.files = {**snapshot.files, fmt.name: {"status": IN_PROGRESS}}
    job = jobs.submit(db, KIND, {"snapshot_id": snapshot.id, "format": fmt.name}, project_id=project.id)
    _link(db, snapshot.id, fmt.name, job.id)
    return fmt.name, job.id


def _link(db: Session, snapshot_id: int, fmt: str, job_id: int) -> None:
    """Record the job writing `fmt`, keeping whatever the job itself may have written already
    (it can start, even finish, between the submit and this)."""
    begin_write(db)
    try:
        snapshot = _locked(db, snapshot_id)
    except NotFound:  # deleted already
        db.rollback()
        return
    if fmt == JSON:
        snapshot.job_id = job_id
    snapshot.files = {**snapshot.files, fmt: {**snapshot.files.get(fmt, {}), "job": job_id}}
    db.commit()


def remove(db: Session, settings: Settings, project: Project, snapshot: ExportSnapshot) -> None:
    """Delete the row and its files; jobs still writing are cancelled and clean up after themselves."""
    begin_write(db)
    snapshot = _locked(db, snapshot.id)
    files = dict(snapshot.files or {})
    job_ids = {e.get("job") for e in files.values()} | {snapshot.job_id}
    db.execute(delete(ExportSnapshot).where(ExportSnapshot.id == snapshot.id))
    db.commit()
    for job_id in job_ids:
        if isinstance(job_id, int):
            with contextlib.suppress(NotFound):  # a job row goes with its project
                jobs.cancel(db, job_id)
    for entry in files.values():
        if entry.get("name"):
            _remove(settings, entry["name"])


@dataclass(frozen=True)
class Download:
    name: str
    media_type: str
    size: int
    handle: Any  # an open binary file

    def chunks(self) -> Iterator[bytes]:
        try:
            while chunk := self.handle.read(CHUNK):
                yield chunk
        finally:
            self.handle.close()


def download(
    settings: Settings, project: Project, snapshot: ExportSnapshot, export_type: str | None
) -> Download:
    """The completed file in `export_type` (JSON when absent), opened now so a delete racing the
    download cannot cut it short. Not completed or not converted: 404, as Label Studio answers."""
    fmt = choose(project, export_type or JSON, "exportType")
    if snapshot.status != COMPLETED:
        raise NotFound(f"export {snapshot.id} is not completed ({snapshot.status})")
    entry = (snapshot.files or {}).get(fmt.name)
    if not entry:
        raise NotFound(f"{fmt.name} format is not converted yet")
    if entry.get("status") != COMPLETED:
        raise NotFound(f"{fmt.name} format is not converted yet ({entry.get('status')})")
    try:
        handle = _path(settings, entry["name"]).open("rb")
    except FileNotFoundError as exc:
        raise NotFound(f"the {fmt.name} file of export {snapshot.id} is missing") from exc
    return Download(entry["name"], fmt.media_type, os.fstat(handle.fileno()).st_size, handle)


def _locked(db: Session, snapshot_id: int) -> ExportSnapshot:
    """The row under a write lock (BEGIN IMMEDIATE on SQLite, FOR UPDATE on PostgreSQL): the files
    map is read, changed and written back by requests and jobs alike."""
    snapshot = db.scalars(
        select(ExportSnapshot)
        .where(ExportSnapshot.id == snapshot_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if snapshot is None:
        raise NotFound(f"export {snapshot_id} not found")
    return snapshot


# The job.
def _count(db: Session, project_id: int, p: Plan) -> int:
    q = select(func.count()).select_from(Task).where(Task.project_id == project_id)
    if p.ids:
        q = q.where(Task.id.in_(p.ids))
    if p.only_annotated:
        q = q.where((Task.total_annotations + Task.cancelled_annotations) > 0)
    return int(db.scalar(q) or 0)


def _update(ctx: jobs.Context, snapshot_id: int, fmt: str, entry: dict[str, Any], **fields: Any) -> bool:
    """Write the file's entry (and, for JSON, the snapshot's own fields); False when the snapshot
    was deleted meanwhile."""
    with session_scope(ctx.sessionmaker) as db:
        begin_write(db)
        try:
            snapshot = _locked(db, snapshot_id)
        except NotFound:
            return False
        snapshot.files = {**(snapshot.files or {}), fmt: {**entry, "job": ctx.job_id}}
        if fmt == JSON:
            for key, value in fields.items():
                setattr(snapshot, key, value)
    return True


def write_file(ctx: jobs.Context) -> dict[str, Any]:
    """The job: one format of one snapshot, written from the database to a file.

    A resumed run starts the file again (a stream's hash cannot be resumed); a failure or a
    cancel marks the file failed with the reason and leaves no partial file behind.
    """
    snapshot_id, fmt_name = int(ctx.params["snapshot_id"]), str(ctx.params["format"])
    with session_scope(ctx.sessionmaker) as db:
        snapshot = db.get(ExportSnapshot, snapshot_id)
        if snapshot is None:
            return {"skipped": "the export was deleted"}
        project = projects.get(db, snapshot.project_id)
        options = dict(snapshot.options)
    if not _update(ctx, snapshot_id, fmt_name, {"status": IN_PROGRESS}):
        return {"skipped": "the export was deleted"}
    part: Path | None = None
    try:
        schema = projects.schema(project)
        fmt, p = exports.choose(schema, fmt_name), plan(options)
        name = file_name(snapshot, fmt)
        path = _path(ctx.settings, name)
        part = path.with_name(name + ".part")
        with ctx.sessionmaker() as db:
            total = _count(db, project.id, p)
        size, md5, done = _write(
            ctx,
            part,
            exports.stream(
                ctx.sessionmaker,
                project.id,
                schema,
                fmt,
                only_annotated=p.only_annotated,
                ids=p.ids,
                options=p.options,
                tick=_ticker(ctx, total),
            ),
        )
        os.replace(part, path)
    except jobs.Interrupted:  # queued again; the next run writes the file anew
        if part is not None:
            part.unlink(missing_ok=True)
        raise
    except BaseException as exc:
        if part is not None:
            part.unlink(missing_ok=True)
        message = "cancelled" if isinstance(exc, jobs.Cancelled) else jobs.error_message(exc)
        fields = {"status": FAILED, "error": message, "finished_at": utcnow()}
        _update(ctx, snapshot_id, fmt_name, {"status": FAILED, "traceback": message}, **fields)
        raise
    entry = {"status": COMPLETED, "name": name, "size": size, "md5": md5}
    fields = {"status": COMPLETED, "md5": md5, "counters": {"task_number": done}, "finished_at": utcnow()}
    if not _update(ctx, snapshot_id, fmt.name, entry, **fields):  # deleted while we wrote
        _remove(ctx.settings, name)
        return {"skipped": "the export was deleted"}
    return {"file": name, "size": size, "md5": md5, "tasks": done}


def _ticker(ctx: jobs.Context, total: int) -> Any:
    """The export's per-task callback: progress in memory and a cancel check, both cheap."""
    done = 0
    ctx.progress(0, total)

    def tick(n: int) -> None:
        nonlocal done
        done += n
        ctx.progress(done, total)
        ctx.check_cancelled()

    return tick


def _write(ctx: jobs.Context, part: Path, body: Iterator[bytes]) -> tuple[int, str, int]:
    """Stream `body` into `part`, hashing as it goes; (size, md5, tasks written)."""
    digest, size = hashlib.md5(usedforsecurity=False), 0
    with part.open("wb") as out:
        for chunk in body:
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return size, digest.hexdigest(), ctx.done


jobs.register(KIND, write_file)
