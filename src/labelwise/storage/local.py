"""Local-directory storage: Label Studio's `localfiles` import storages, synced incrementally.

A sync walks the directory (inside the admin's roots, see `storage.paths`) and imports the files
it has not synced before, in one transaction with the link rows that record them:

- a media file (image, audio, video, by extension) becomes one task whose media key (the `$key`
  of the config's Image/Audio/Video tag) holds `/data/local-files/?d=<path relative to the
  root>`, Label Studio's URL shape, served by `api.media`;
- a file of tasks (JSON, JSONL, CSV, TSV, TXT, Parquet, zip) becomes all its tasks;
- anything else, and media no tag of the config shows, is left alone (and not linked, so a later
  config change can pick it up).

A file is synced once: its key is linked (to its first task, with the number of tasks it made)
and never imported again, even when it changes on disk. A failed sync rolls everything back and
records the reason in `traceback`; the files it would have imported are tried again next time.
`use_blob_urls` is stored and echoed for Label Studio clients; the extension decides what a file
becomes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db import bulk
from labelwise.db.engine import begin_write
from labelwise.db.models import Project, Storage, StorageLink, User
from labelwise.io import readers
from labelwise.services import activity, checks, imports, projects
from labelwise.services.errors import Invalid, NotFound
from labelwise.settings import Settings
from labelwise.storage import paths

TYPE = "localfiles"
URL_PREFIX = "/data/local-files/?d="
# The content type each media extension is served with; everything else is a download.
MEDIA_TYPES = {
    ".png": ("image", "image/png"),
    ".jpg": ("image", "image/jpeg"),
    ".jpeg": ("image", "image/jpeg"),
    ".gif": ("image", "image/gif"),
    ".webp": ("image", "image/webp"),
    ".bmp": ("image", "image/bmp"),
    ".tif": ("image", "image/tiff"),
    ".tiff": ("image", "image/tiff"),
    ".avif": ("image", "image/avif"),
    ".wav": ("audio", "audio/wav"),
    ".mp3": ("audio", "audio/mpeg"),
    ".flac": ("audio", "audio/flac"),
    ".ogg": ("audio", "audio/ogg"),
    ".oga": ("audio", "audio/ogg"),
    ".opus": ("audio", "audio/ogg"),
    ".m4a": ("audio", "audio/mp4"),
    ".aac": ("audio", "audio/aac"),
    ".webm": ("video", "video/webm"),
    ".mp4": ("video", "video/mp4"),
    ".m4v": ("video", "video/mp4"),
    ".mov": ("video", "video/quicktime"),
    ".mkv": ("video", "video/x-matroska"),
}
FIELDS = ("title", "description", "path", "regex_filter", "use_blob_urls", "recursive_scan")
LINK_COLUMNS = ("storage_id", "key", "task_id", "task_count", "size", "mtime", "created_at")


def media_kind(name: str) -> str | None:
    found = MEDIA_TYPES.get(os.path.splitext(name)[1].lower())
    return found[0] if found else None


def media_type(name: str) -> str | None:
    """The content type to serve `name` inline with, or None: then it is only ever a download."""
    found = MEDIA_TYPES.get(os.path.splitext(name)[1].lower())
    return found[1] if found else None


def url_prefix(settings: Settings, base: Path) -> str:
    """`/data/local-files/?d=<storage directory relative to its root>/`, for keys to follow."""
    rel = paths.url_path(settings, base, "")
    if rel is None:
        raise Invalid("the storage directory is no longer inside the allowed roots", {"path": ["outside"]})
    return URL_PREFIX + ("" if rel == "." else quote(rel) + "/")


# -- create, read, update, delete --------------------------------------------------------------


def _apply(settings: Settings, storage: Storage, data: dict[str, Any], synced: bool = False) -> None:
    if "path" in data or "path" not in storage.settings:
        real = str(paths.storage_dir(settings, data.get("path")))
        if synced and real != storage.settings.get("path"):
            raise Invalid(
                "path: this storage has synced files from its directory already; "
                "create another storage to read another directory",
                {"path": ["cannot change after a sync"]},
            )
        storage.settings = {**storage.settings, "path": real}
    for key, limit in (("title", 200), ("description", 2000)):
        if key in data:
            setattr(storage, key, checks.text(data[key] or "", key, limit))
    if "regex_filter" in data:
        pattern = checks.text(data["regex_filter"] or "", "regex_filter", 500)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise Invalid(f"regex_filter: {exc}", {"regex_filter": [str(exc)]}) from None
        storage.regex_filter = pattern
    for key in ("use_blob_urls", "recursive_scan"):
        if data.get(key) is not None:
            setattr(storage, key, checks.flag(data, key))


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in FIELDS}


def validate(db: Session, settings: Settings, data: dict[str, Any], storage: Storage | None = None) -> None:
    """Check a create body, or (with `storage`) an update of it, without writing anything."""
    if storage is None:
        _apply(settings, Storage(settings={}), _fields(data))
        return
    probe = Storage(settings=dict(storage.settings))
    _apply(settings, probe, _fields(data), synced=_has_links(db, storage))


def create(db: Session, settings: Settings, project: Project, user: User, data: dict[str, Any]) -> Storage:
    storage = Storage(
        project_id=project.id, type=TYPE, settings={}, title="", description="", regex_filter="",
        use_blob_urls=True, recursive_scan=True,
    )  # fmt: skip
    begin_write(db)
    _apply(settings, storage, _fields(data))
    db.add(storage)
    db.flush()
    activity.record(db, user, "storage.created", "storage", storage.id, {"type": TYPE}, project.id)
    db.commit()
    return storage


def update(db: Session, settings: Settings, storage: Storage, user: User, data: dict[str, Any]) -> Storage:
    begin_write(db)
    _apply(settings, storage, _fields(data), synced=_has_links(db, storage))
    activity.record(db, user, "storage.updated", "storage", storage.id, {"type": TYPE}, storage.project_id)
    db.commit()
    return storage


def delete(db: Session, storage: Storage, user: User) -> None:
    """Drops the storage and its links; the tasks it made stay, their files are no longer served."""
    begin_write(db)
    db.delete(storage)
    activity.record(db, user, "storage.deleted", "storage", storage.id, {"type": TYPE}, storage.project_id)
    db.commit()


def get(db: Session, storage_id: int) -> Storage:
    storage = db.get(Storage, storage_id) if checks.is_id(storage_id) else None
    if storage is None or storage.type != TYPE:
        raise NotFound(f"local storage {storage_id} not found")
    return storage


def listing(db: Session, project_id: int | None, kind: str | None = TYPE) -> list[Storage]:
    q = select(Storage).order_by(Storage.id)
    if kind is not None:
        q = q.where(Storage.type == kind)
    if project_id is not None:
        q = q.where(Storage.project_id == project_id)
    return list(db.scalars(q))


def _has_links(db: Session, storage: Storage) -> bool:
    if storage.id is None:
        return False
    return db.scalar(select(StorageLink.id).where(StorageLink.storage_id == storage.id).limit(1)) is not None


# -- sync ------------------------------------------------------------------------------------------


@dataclass
class _File:
    entry: paths.Entry
    media_key: str | None  # the data key for a media file; None for a file of tasks
    tasks: int = 0


def _media_key(schema: labeling.Schema, kind: str) -> str | None:
    return next((o.value_key for o in schema.objects.values() if o.type == kind and o.value_key), None)


def _is_task_file(key: str) -> bool:
    """Whether the readers take `key` as a file of tasks (media are recognized here, by `MEDIA_TYPES`)."""
    try:
        return readers.format_of(key) not in ("image", "audio", "video")
    except readers.ReadError:
        return False


def _wanted(
    storage: Storage, schema: labeling.Schema, entries: list[paths.Entry], known: set[str]
) -> list[_File]:
    """The new files a sync imports, in key order.

    `regex_filter` is matched (from the start, as Label Studio does) against the file name or the
    whole key, so both `.*\\.png` and `2024/.*` work.
    """
    pattern = re.compile(storage.regex_filter) if storage.regex_filter else None
    wanted: list[_File] = []
    for entry in entries:
        key = entry.key
        if key in known:
            continue
        if pattern is not None and not (pattern.match(key.rsplit("/", 1)[-1]) or pattern.match(key)):
            continue
        kind = media_kind(key)
        if kind is not None:
            media_key = _media_key(schema, kind)
            if media_key is not None:
                wanted.append(_File(entry, media_key))
        elif _is_task_file(key):
            wanted.append(_File(entry, None))
    return wanted


def sync(db: Session, settings: Settings, storage: Storage, user: User) -> Storage:
    """Import the new files of the directory; returns the storage with its status and counts.

    Data problems (a bad row, an unreadable file, a path no longer allowed) do not raise: the
    sync is rolled back, marked `failed` and the reason kept in `traceback`, as Label Studio
    reports a failed sync.
    """
    project = projects.get(db, storage.project_id)
    schema = projects.schema(project)
    storage_id = storage.id
    begin_write(db)
    locked = _lock(db, storage_id)
    try:
        base = paths.storage_dir(settings, locked.settings.get("path"))
        known = _known(db, storage_id)
        files = _wanted(locked, schema, paths.scan(base, locked.recursive_scan), known)
        if files:
            _import(db, settings, project, user, storage_id, base, files)
        else:
            _mark(db, storage_id, "completed", 0, "")
            db.commit()
    except Invalid as exc:
        db.rollback()
        _failed(db, storage_id, exc.detail)
    db.expire_all()
    return get(db, storage_id)


def _import(
    db: Session,
    settings: Settings,
    project: Project,
    user: User,
    storage_id: int,
    base: Path,
    files: list[_File],
) -> None:
    """The new files' tasks, links and sync status, in one transaction (`store_stream` commits)."""
    schema = projects.schema(project)
    keys = schema.required_data_keys or schema.data_keys
    reading = _Reading(url_prefix(settings, base), files)

    def link(task_ids: list[int]) -> None:
        _link(db, storage_id, files, task_ids)
        _mark(db, storage_id, "completed", len(task_ids), "")

    records = reading.records(base, keys[0] if len(keys) == 1 else None)
    try:
        imports.store_stream(db, project, user, records, before_commit=link)
    except Invalid:
        if not reading.empty:
            raise
        # Every new file was read and none held a task (an empty JSON list, say): link them
        # anyway, or every later sync would fail on them again.
        begin_write(db)
        _lock(db, storage_id)
        known = _known(db, storage_id)
        _link(db, storage_id, [f for f in files if f.entry.key not in known], [])
        _mark(db, storage_id, "completed", 0, "")
        db.commit()


def _known(db: Session, storage_id: int) -> set[str]:
    return set(db.scalars(select(StorageLink.key).where(StorageLink.storage_id == storage_id)))


def _lock(db: Session, storage_id: int) -> Storage:
    """The storage row, locked until commit: a second sync of it waits, then sees the links."""
    locked = db.scalars(
        select(Storage)
        .where(Storage.id == storage_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if locked is None:
        db.rollback()
        raise NotFound(f"local storage {storage_id} not found")
    return locked


@dataclass
class _Reading:
    """The records of the new files, counting each file's tasks as they pass."""

    prefix: str
    files: list[_File]
    empty: bool = False  # set once every file was read and none yielded a task

    def records(self, base: Path, text_key: str | None) -> Iterator[tuple[str, Any]]:
        for file in self.files:
            key = file.entry.key
            if file.media_key is not None:
                file.tasks = 1
                yield key, {file.media_key: self.prefix + quote(key)}
            else:
                yield from _tasks_of(base, file, text_key)
        self.empty = not any(file.tasks for file in self.files)


def _tasks_of(base: Path, file: _File, text_key: str | None) -> Iterator[tuple[str, Any]]:
    key = file.entry.key
    opened = paths.open_inside(base, key)
    if opened is None:
        raise Invalid(f"{key}: cannot be opened (gone, or no longer a plain file inside the storage)")
    try:
        with os.fdopen(opened.fd, "rb") as stream:
            for record in readers.read(key, stream, text_key):
                if record.media is None:  # media inside a zip would need a home; not synced
                    file.tasks += 1
                    yield record.where, record.item
    except OSError as exc:
        raise Invalid(f"{key}: cannot be read: {exc.strerror or exc}") from None


def _link(db: Session, storage_id: int, files: list[_File], task_ids: list[int]) -> None:
    """One link per file: its key, its first task and how many tasks it made (zero for a file
    whose rows were all media), so a later sync skips it."""
    now = datetime.now(UTC)
    stamp = bulk.timestamp(db, now)
    rows: list[tuple[Any, ...]] = []
    at = 0
    for file in files:
        entry = file.entry
        first = task_ids[at] if file.tasks else None
        mtime = bulk.timestamp(db, datetime.fromtimestamp(entry.mtime, UTC))
        rows.append((storage_id, entry.key, first, file.tasks, entry.size, mtime, stamp))
        at += file.tasks
    bulk.insert_rows(db, "storage_links", LINK_COLUMNS, rows)


def _mark(db: Session, storage_id: int, status: str, count: int, error: str) -> None:
    db.execute(
        sql_update(Storage)
        .where(Storage.id == storage_id)
        .values(status=status, last_sync=datetime.now(UTC), last_sync_count=count, traceback=error[:4000])
    )


def _failed(db: Session, storage_id: int, error: str) -> None:
    begin_write(db)
    _mark(db, storage_id, "failed", 0, error)
    db.commit()


# -- serving ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A linked file a `?d=` reference names: the storage that linked it and where it lies."""

    storage: Storage
    base: Path
    key: str


def locate(db: Session, settings: Settings, reference: str) -> list[Located]:
    """The storages that linked the file `?d=<path relative to a root>` names.

    Only lexical work and two queries: the storages whose directory is an ancestor of the path,
    then their links for the rest of the path. The file itself is checked when it is opened.
    """
    ancestors: dict[str, list[tuple[Path, str]]] = {}
    for root, target in paths.candidates(settings, reference):
        directory = target.parent
        while paths.inside(directory, root):
            ancestors.setdefault(str(directory), []).append(
                (directory, target.relative_to(directory).as_posix())
            )
            if directory == root:
                break
            directory = directory.parent
    if not ancestors:
        return []
    storages = db.scalars(
        select(Storage).where(Storage.type == TYPE, Storage.settings["path"].as_string().in_(list(ancestors)))
    ).all()
    found: list[Located] = []
    for storage in storages:
        for base, key in ancestors.get(storage.settings.get("path", ""), []):
            linked = db.scalar(
                select(StorageLink.id).where(StorageLink.storage_id == storage.id, StorageLink.key == key)
            )
            if linked is not None:
                found.append(Located(storage, base, key))
    return found
