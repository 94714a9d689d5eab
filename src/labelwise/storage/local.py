"""Local-directory storage: Label Studio's `localfiles` storages, synced incrementally.

A sync walks the directory (under the admin's roots, see `storage.paths`), takes only files not
synced before, and imports them in one transaction: a media file becomes one task whose media key
holds a URL Labelwise serves (`/data/local-files/?d=<storage id>/<key>`), a file of tasks becomes
all its tasks. Links (file key → first task) are written in the same transaction, so a failed
sync leaves nothing behind and a re-sync never duplicates a task.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.engine import begin_write
from labelwise.db.models import Project, Storage, StorageLink, User
from labelwise.io import readers
from labelwise.services import activity, checks, imports, projects
from labelwise.services.errors import Invalid, NotFound
from labelwise.settings import Settings
from labelwise.storage import paths

TYPE = "localfiles"
MEDIA = {
    "image": (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"),
    "audio": (".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac", ".opus"),
    "video": (".mp4", ".webm", ".mov", ".mkv"),
}
TASK_FILES = (".json", ".jsonl", ".csv", ".tsv", ".txt", ".parquet", ".zip")
FIELDS = ("title", "description", "path", "regex_filter", "use_blob_urls", "recursive_scan")


def media_kind(name: str) -> str | None:
    lower = name.lower()
    return next((kind for kind, exts in MEDIA.items() if lower.endswith(exts)), None)


def media_url(storage_id: int, key: str) -> str:
    return f"/data/local-files/?d={storage_id}/{quote(key)}"


def _apply(settings: Settings, storage: Storage, data: dict[str, Any]) -> None:
    if "path" in data or "path" not in storage.settings:
        real = paths.storage_dir(settings, data.get("path", ""))
        storage.settings = {**storage.settings, "path": str(real)}
    for key in ("title", "description"):
        if key in data:
            setattr(storage, key, checks.text(data[key] or "", key, 2000 if key == "description" else 200))
    if "regex_filter" in data:
        pattern = data["regex_filter"] or ""
        if not isinstance(pattern, str):
            raise Invalid("regex_filter: must be a string", {"regex_filter": ["not a string"]})
        try:
            re.compile(pattern)
        except re.error as exc:
            raise Invalid(f"regex_filter: {exc}", {"regex_filter": [str(exc)]}) from exc
        storage.regex_filter = pattern
    for key in ("use_blob_urls", "recursive_scan"):
        if key in data and data[key] is not None:
            setattr(storage, key, checks.flag(data, key))


def validate(settings: Settings, data: dict[str, Any]) -> None:
    paths.storage_dir(settings, data.get("path", ""))
    _apply(settings, Storage(settings={}), {k: v for k, v in data.items() if k in FIELDS})


def create(db: Session, settings: Settings, project: Project, user: User, data: dict[str, Any]) -> Storage:
    begin_write(db)
    storage = Storage(project_id=project.id, type=TYPE, settings={})
    _apply(settings, storage, {k: v for k, v in data.items() if k in FIELDS})
    db.add(storage)
    db.flush()
    activity.record(db, user, "storage.created", "storage", storage.id, {"type": TYPE}, project.id)
    db.commit()
    return storage


def update(db: Session, settings: Settings, storage: Storage, data: dict[str, Any]) -> Storage:
    begin_write(db)
    _apply(settings, storage, {k: v for k, v in data.items() if k in FIELDS})
    db.commit()
    return storage


def get(db: Session, storage_id: int) -> Storage:
    storage = db.get(Storage, storage_id) if checks.is_id(storage_id) else None
    if storage is None or storage.type != TYPE:
        raise NotFound(f"local storage {storage_id} not found")
    return storage


def for_project(db: Session, project_id: int | None) -> list[Storage]:
    q = select(Storage).where(Storage.type == TYPE).order_by(Storage.id)
    if project_id is not None:
        q = q.where(Storage.project_id == project_id)
    return list(db.scalars(q))


def delete(db: Session, storage: Storage) -> None:
    begin_write(db)
    db.delete(storage)
    db.commit()


def _media_key(schema: labeling.Schema, kind: str) -> str | None:
    return next((o.value_key for o in schema.objects.values() if o.type == kind and o.value_key), None)


def sync(db: Session, settings: Settings, storage: Storage, user: User) -> Storage:
    """Import what is new in the directory; returns the storage with its sync counters."""
    base = paths.storage_dir(settings, storage.settings.get("path", ""))
    project = projects.get(db, storage.project_id)
    schema = projects.schema(project)
    keys = schema.required_data_keys or schema.data_keys
    text_key = keys[0] if len(keys) == 1 else None
    pattern = re.compile(storage.regex_filter) if storage.regex_filter else None
    known = set(db.scalars(select(StorageLink.key).where(StorageLink.storage_id == storage.id)))
    new: list[str] = []
    for key in paths.scan(base, storage.recursive_scan):
        if key in known or (pattern is not None and not pattern.search(key)):
            continue
        kind = media_kind(key)
        if (kind and _media_key(schema, kind)) or key.lower().endswith(TASK_FILES):
            new.append(key)
    per_file: list[tuple[str, int]] = []

    def records() -> Iterator[tuple[str, Any]]:
        for key in new:
            kind = media_kind(key)
            if kind:
                per_file.append((key, 1))
                yield key, {_media_key(schema, kind): media_url(storage.id, key)}
                continue
            path = paths.child(base, key)
            if path is None:
                continue
            count = 0
            with path.open("rb") as fh:
                for record in readers.read(Path(key).name, fh, text_key):
                    if record.media is None:
                        count += 1
                        yield f"{key}: {record.where.split(': ', 1)[-1]}", record.item
            per_file.append((key, count))

    def link(task_ids: list[int]) -> None:
        rows, at = [], 0
        now = datetime.now(UTC)
        for key, count in per_file:
            rows.append({"storage_id": storage.id, "key": key, "task_id": task_ids[at] if count else None,
                         "task_count": count, "created_at": now})  # fmt: skip
            at += count
        if rows:
            db.execute(insert(StorageLink), rows)

    count = 0
    if new:
        try:
            result = imports.store_stream(db, project, user, records(), before_commit=link)
        except Invalid as exc:
            _finished(db, storage, "failed", 0, exc.detail)
            raise
        count = result.task_count
    return _finished(db, storage, "completed", count, "")


def _finished(db: Session, storage: Storage, status: str, count: int, error: str) -> Storage:
    begin_write(db)
    storage = db.merge(storage)
    storage.status, storage.last_sync_count, storage.traceback = status, count, error[:2000]
    storage.last_sync = datetime.now(UTC)
    db.commit()
    return storage


def serve_path(db: Session, settings: Settings, reference: str) -> tuple[Storage, Path] | None:
    """The storage and real file a `?d=<storage id>/<key>` reference names, re-checked for safety."""
    storage_id, _, key = reference.partition("/")
    if not storage_id.isdigit():
        return None
    storage = db.get(Storage, int(storage_id))
    if storage is None or storage.type != TYPE:
        return None
    linked = db.scalar(
        select(StorageLink.id).where(StorageLink.storage_id == storage.id, StorageLink.key == key)
    )
    if linked is None:
        return None
    try:
        base = paths.storage_dir(settings, storage.settings.get("path", ""))
    except Invalid:
        return None
    found = paths.child(base, key)
    return (storage, found) if found is not None else None
