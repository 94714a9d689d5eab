"""What every import storage shares: its record's life (create, change, delete) and its sync.

A storage type (`local`, `s3`) is a `Kind`: the fields it takes, how it checks and applies them,
and a `Source` that lists its objects and opens one. Everything else is here, once:

- a sync lists the source (outside any transaction, so a slow bucket holds no database lock),
  then, with the storage row locked, takes the objects it has not linked before (`wanted`) and
  imports them with their link rows in one transaction;
- a media object (image, audio, video, by extension) becomes one task whose media key (the
  `$key` of the config's Image/Audio/Video tag) holds the source's URL for it; a file of tasks
  (JSON, JSONL, CSV, TSV, TXT, Parquet, zip) becomes all its tasks; anything else, and media no
  tag of the config shows, is left alone and unlinked, so a later config change can pick it up;
- an object is synced once: its key is linked (to its first task, with the number of tasks it
  made) and never imported again, even when it changes;
- a failed sync rolls everything back and records the reason in `traceback`; the objects it
  would have imported are tried again next time.

`use_blob_urls` is stored and echoed for Label Studio clients; the extension decides what an
object becomes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO, Protocol

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db import bulk
from labelwise.db.engine import begin_write
from labelwise.db.models import Project, Storage, StorageLink, User
from labelwise.io import readers
from labelwise.io.readers import media
from labelwise.services import activity, checks, imports, projects
from labelwise.services.errors import Invalid, NotFound
from labelwise.settings import Settings

COMMON_FIELDS = ("title", "description", "regex_filter", "use_blob_urls", "recursive_scan")
LINK_COLUMNS = ("storage_id", "key", "task_id", "task_count", "size", "mtime", "created_at")


class Found(Protocol):
    """An object a source listed: its key, size and modification time (seconds since the epoch)."""

    @property
    def key(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def mtime(self) -> float: ...


class Source(Protocol):
    """A storage's objects as a sync sees them."""

    # Whether `regex_filter` may also match the object's name alone (local storage), or only its
    # whole key (S3, as Label Studio matches).
    match_names: bool

    def entries(self) -> Iterable[Found]:
        """Every object under the storage, in key order; Invalid when it cannot be listed."""
        ...

    def media_url(self, key: str) -> str:
        """What a media task's data holds for the object: the URL Label Studio would put there."""
        ...

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """The object's bytes; Invalid when it cannot be read."""
        ...


# -- the record: create, read, update, delete ------------------------------------------------------


def apply_common(storage: Storage, data: dict[str, Any]) -> None:
    """The fields every type has: title, description, regex_filter and the two flags."""
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


# How a type checks a body and applies it to a storage (`synced`: it has linked objects already).
Apply = Callable[[Settings, Storage, dict[str, Any], bool], None]
# Told (objects read, objects to read) as a sync goes, for a progress bar.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Kind:
    """One storage type: its name in the API, its fields, its checks and its source."""

    type: str
    label: str  # for messages: "local storage", "S3 storage"
    fields: tuple[str, ...]
    apply: Apply
    source: Callable[[Settings, Storage], Source]
    defaults: dict[str, Any] = field(default_factory=dict)

    def _fields(self, data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k in self.fields}

    def validate(
        self, db: Session, settings: Settings, data: dict[str, Any], storage: Storage | None = None
    ) -> None:
        """Check a create body, or (with `storage`) an update of it, without writing anything."""
        if storage is None:
            self.apply(settings, self._blank(), self._fields(data), False)
            return
        probe = Storage(**{c: getattr(storage, c) for c in _COPIED}, settings=dict(storage.settings))
        self.apply(settings, probe, self._fields(data), has_links(db, storage))

    def _blank(self) -> Storage:
        values = {
            "settings": {},
            "title": "",
            "description": "",
            "regex_filter": "",
            "use_blob_urls": True,
            "recursive_scan": True,
            **self.defaults,
        }
        return Storage(type=self.type, **values)

    def create(
        self, db: Session, settings: Settings, project: Project, user: User, data: dict[str, Any]
    ) -> Storage:
        storage = self._blank()
        storage.project_id = project.id
        db.commit()  # nothing written yet; checking a bucket must not hold SQLite's write lock
        self.apply(settings, storage, self._fields(data), False)
        begin_write(db)
        db.add(storage)
        db.flush()
        activity.record(db, user, "storage.created", "storage", storage.id, {"type": self.type}, project.id)
        db.commit()
        return storage

    def update(
        self, db: Session, settings: Settings, storage: Storage, user: User, data: dict[str, Any]
    ) -> Storage:
        synced = has_links(db, storage)
        db.commit()  # nothing written yet; checking a bucket must not hold SQLite's write lock
        self.apply(settings, storage, self._fields(data), synced)
        begin_write(db)
        activity.record(
            db, user, "storage.updated", "storage", storage.id, {"type": self.type}, storage.project_id
        )
        db.commit()
        return storage

    def delete(self, db: Session, storage: Storage, user: User) -> None:
        """Drops the storage and its links; the tasks it made stay, their objects are no longer served."""
        begin_write(db)
        db.delete(storage)
        activity.record(
            db, user, "storage.deleted", "storage", storage.id, {"type": self.type}, storage.project_id
        )
        db.commit()

    def get(self, db: Session, storage_id: int) -> Storage:
        storage = db.get(Storage, storage_id) if checks.is_id(storage_id) else None
        if storage is None or storage.type != self.type:
            raise NotFound(f"{self.label} {storage_id} not found")
        return storage

    def listing(self, db: Session, project_id: int | None) -> list[Storage]:
        return listing(db, project_id, self.type)

    def sync(
        self, db: Session, settings: Settings, storage: Storage, user: User, progress: Progress | None = None
    ) -> Storage:
        return run(db, settings, self, storage, user, progress)


_COPIED = (
    "id",
    "project_id",
    "type",
    "title",
    "description",
    "regex_filter",
    "use_blob_urls",
    "recursive_scan",
)


def listing(db: Session, project_id: int | None, kind: str | None) -> list[Storage]:
    q = select(Storage).order_by(Storage.id)
    if kind is not None:
        q = q.where(Storage.type == kind)
    if project_id is not None:
        q = q.where(Storage.project_id == project_id)
    return list(db.scalars(q))


def get_any(db: Session, storage_id: int) -> Storage:
    """A storage of any type (for the command line, which names storages by id alone)."""
    storage = db.get(Storage, storage_id) if checks.is_id(storage_id) else None
    if storage is None:
        raise NotFound(f"storage {storage_id} not found")
    return storage


def has_links(db: Session, storage: Storage) -> bool:
    if storage.id is None:
        return False
    return db.scalar(select(StorageLink.id).where(StorageLink.storage_id == storage.id).limit(1)) is not None


# -- sync ------------------------------------------------------------------------------------------


@dataclass
class _File:
    entry: Found
    media_key: str | None  # the data key for a media object; None for a file of tasks
    tasks: int = 0


def _media_key(schema: labeling.Schema, kind: str) -> str | None:
    return next((o.value_key for o in schema.objects.values() if o.type == kind and o.value_key), None)


def _is_task_file(key: str) -> bool:
    """Whether the readers take `key` as a file of tasks (media are recognized here, by `readers.media.kind_of`)."""
    try:
        return readers.format_of(key) not in ("image", "audio", "video")
    except readers.ReadError:
        return False


def wanted(
    storage: Storage, schema: labeling.Schema, entries: Iterable[Found], known: set[str], match_names: bool
) -> list[_File]:
    """The new objects a sync imports, in key order.

    `regex_filter` is matched from the start, as Label Studio does, against the whole key, and
    (where `match_names`) against the file name alone too, so both `.*\\.png` and `2024/.*` work.
    """
    pattern = re.compile(storage.regex_filter) if storage.regex_filter else None
    found: list[_File] = []
    for entry in entries:
        key = entry.key
        if key in known:
            continue
        if pattern is not None and not (
            pattern.match(key) or (match_names and pattern.match(key.rsplit("/", 1)[-1]))
        ):
            continue
        kind = media.kind_of(key)
        if kind is not None:
            media_key = _media_key(schema, kind)
            if media_key is not None:
                found.append(_File(entry, media_key))
        elif _is_task_file(key):
            found.append(_File(entry, None))
    return found


def run(
    db: Session,
    settings: Settings,
    kind: Kind,
    storage: Storage,
    user: User,
    progress: Progress | None = None,
) -> Storage:
    """Import the storage's new objects; returns the storage with its status and counts.

    Data problems (a bad row, an unreadable object, a bucket or directory gone) do not raise: the
    sync is rolled back, marked `failed` and the reason kept in `traceback`, as Label Studio
    reports a failed sync.
    """
    project = projects.get(db, storage.project_id)
    schema = projects.schema(project)
    storage_id = storage.id
    listed_with = _listed_with(storage)
    db.commit()  # nothing written yet: listing holds no lock
    try:
        source = kind.source(settings, storage)
        entries = sorted(source.entries(), key=lambda e: e.key)
        begin_write(db)
        locked = _lock(db, storage_id, kind)
        if _listed_with(locked) != listed_with:
            raise Invalid("the storage was changed while its objects were listed; sync again")
        files = wanted(locked, schema, entries, _known(db, storage_id), source.match_names)
        if files:
            _import(db, project, user, storage_id, kind, source, files, progress)
        else:
            mark(db, storage_id, "completed", 0, "")
            db.commit()
    except Invalid as exc:
        db.rollback()
        _failed(db, storage_id, exc.detail)
    db.expire_all()
    return kind.get(db, storage_id)


def _listed_with(storage: Storage) -> tuple[Any, ...]:
    return (dict(storage.settings), storage.regex_filter, storage.recursive_scan)


def _import(
    db: Session,
    project: Project,
    user: User,
    storage_id: int,
    kind: Kind,
    source: Source,
    files: list[_File],
    progress: Progress | None,
) -> None:
    """The new objects' tasks, links and sync status, in one transaction (`store_stream` commits)."""
    schema = projects.schema(project)
    keys = schema.required_data_keys or schema.data_keys
    reading = _Reading(source, files, progress)

    def link(task_ids: list[int]) -> None:
        _link(db, storage_id, files, task_ids)
        mark(db, storage_id, "completed", len(task_ids), "")

    records = reading.records(keys[0] if len(keys) == 1 else None)
    try:
        imports.store_stream(db, project, user, records, before_commit=link)
    except Invalid:
        if not reading.empty:
            raise
        # Every new object was read and none held a task (an empty JSON list, say): link them
        # anyway, or every later sync would fail on them again.
        begin_write(db)
        _lock(db, storage_id, kind)
        known = _known(db, storage_id)
        _link(db, storage_id, [f for f in files if f.entry.key not in known], [])
        mark(db, storage_id, "completed", 0, "")
        db.commit()


def _known(db: Session, storage_id: int) -> set[str]:
    return set(db.scalars(select(StorageLink.key).where(StorageLink.storage_id == storage_id)))


def _lock(db: Session, storage_id: int, kind: Kind) -> Storage:
    """The storage row, locked until commit: a second sync of it waits, then sees the links."""
    locked = db.scalars(
        select(Storage)
        .where(Storage.id == storage_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if locked is None:
        db.rollback()
        raise NotFound(f"{kind.label} {storage_id} not found")
    return locked


@dataclass
class _Reading:
    """The records of the new objects, counting each one's tasks as they pass."""

    source: Source
    files: list[_File]
    progress: Progress | None = None
    empty: bool = False  # set once every object was read and none yielded a task

    def records(self, text_key: str | None) -> Iterator[tuple[str, Any]]:
        for done, file in enumerate(self.files, 1):
            key = file.entry.key
            if file.media_key is not None:
                file.tasks = 1
                yield key, {file.media_key: self.source.media_url(key)}
            else:
                yield from self._tasks_of(file, text_key)
            if self.progress is not None:
                self.progress(done, len(self.files))
        self.empty = not any(file.tasks for file in self.files)

    def _tasks_of(self, file: _File, text_key: str | None) -> Iterator[tuple[str, Any]]:
        key = file.entry.key
        try:
            with self.source.open(key) as stream:
                for record in readers.read(key, stream, text_key):
                    if record.media is None:  # media inside a zip would need a home; not synced
                        file.tasks += 1
                        yield record.where, record.item
        except OSError as exc:
            raise Invalid(f"{key}: cannot be read: {exc.strerror or exc}") from None


def _link(db: Session, storage_id: int, files: list[_File], task_ids: list[int]) -> None:
    """One link per object: its key, its first task and how many tasks it made (zero for a file
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


def mark(db: Session, storage_id: int, status: str, count: int, error: str) -> None:
    db.execute(
        sql_update(Storage)
        .where(Storage.id == storage_id)
        .values(status=status, last_sync=datetime.now(UTC), last_sync_count=count, traceback=error[:4000])
    )


def _failed(db: Session, storage_id: int, error: str) -> None:
    begin_write(db)
    mark(db, storage_id, "failed", 0, error)
    db.commit()


def is_linked(db: Session, storage_id: int, key: str) -> bool:
    linked = db.scalar(
        select(StorageLink.id).where(StorageLink.storage_id == storage_id, StorageLink.key == key)
    )
    return linked is not None
