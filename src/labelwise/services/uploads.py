"""Files uploaded into a project and kept on disk: media that tasks point at, and task files
staged by Label Studio's two-step import (upload with `commit_to_project=false`, then `reimport`).

A stored file lives at `<data_dir>/media/upload/<project>/<name>` and is served at
`/data/upload/<project>/<name>` (Label Studio's URL shape) to users of that project only. `name` is
a random prefix and the client's file name reduced to safe characters: the client never chooses a
path, and two uploads of `photo.png` never collide.

Files are written before the import's transaction commits, so an import that fails must remove
them again: a `Saver` remembers what it wrote and `discard()` deletes it.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from labelwise.db.engine import begin_write
from labelwise.db.models import FileUpload, Project, User
from labelwise.io import readers
from labelwise.io.readers import media
from labelwise.io.readers.base import CHUNK, read_head
from labelwise.services import activity, checks
from labelwise.services.errors import Invalid, NotFound
from labelwise.settings import Settings

URL_PREFIX = "/data/upload/"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120


def directory(settings: Settings, project_id: int) -> Path:
    return settings.data_dir / "media" / "upload" / str(int(project_id))


def url(upload: FileUpload) -> str:
    return f"{URL_PREFIX}{upload.project_id}/{upload.name}"


def safe_name(original: str) -> str:
    """The last path segment of `original`, reduced to `[A-Za-z0-9._-]`, never hidden, never empty,
    keeping its extension (which decides how the file is served)."""
    base = original.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._-")[: MAX_NAME - 20] or "file"
    ext = _UNSAFE.sub("", ext)[:12].lower()
    return f"{stem}.{ext}" if ext else stem


@dataclass
class Saver:
    """The files one import stores; `discard` undoes the disk side."""

    db: Session
    settings: Settings
    project: Project
    user: User
    written: list[Path] = field(default_factory=list)

    def save(self, original: str, stream: BinaryIO, kind: str) -> FileUpload:
        """Copy `stream` into the project's directory and add its row (in the caller's transaction)."""
        folder = directory(self.settings, self.project.id)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(4)}-{safe_name(original)}"
        path = folder / name
        self.written.append(path)
        size, sha = _write(path, stream, original, self.settings.max_import_bytes)
        upload = FileUpload(
            project_id=self.project.id,
            user_id=self.user.id,
            name=name,
            original_name=original[:1024],
            kind=kind,
            content_type=media.content_type(name) or "application/octet-stream",
            size=size,
            sha256=sha,
        )
        self.db.add(upload)
        self.db.flush()
        return upload

    def discard(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)
        self.written.clear()


def _write(path: Path, stream: BinaryIO, original: str, limit: int) -> tuple[int, str]:
    """Copy `stream` to a new file at `path` (never through a planted symlink); size and SHA-256."""
    digest, size = hashlib.sha256(), 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o640)
    with os.fdopen(fd, "wb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise Invalid(f"{original}: larger than {limit} bytes", {"file": [original]})
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def replace(
    db: Session, settings: Settings, user: User, upload: FileUpload, original: str, stream: BinaryIO
) -> FileUpload:
    """New bytes under the same name, so tasks pointing at the file see the new content. The new
    file must be of the same kind (a media file is checked by its content, as on upload)."""
    kind = readers.format_of(original)
    if kind != upload.kind:
        raise Invalid(
            f"file: {original} is {kind}, the upload it replaces is {upload.kind}", {"file": [original]}
        )
    if kind in readers.MEDIA_KINDS:
        media.check(original, kind, read_head(stream, media.HEAD))
        stream.seek(0)
    final = path_of(settings, upload)
    temp = final.with_name(f".{secrets.token_hex(6)}.part")
    try:
        size, sha = _write(temp, stream, original, settings.max_import_bytes)
        begin_write(db)
        upload.size, upload.sha256, upload.original_name = size, sha, original[:1024]
        activity.record(db, user, "file_upload.replaced", "file_upload", upload.id, None, upload.project_id)
        os.replace(temp, final)
        db.commit()
    finally:
        temp.unlink(missing_ok=True)
    return upload


def path_of(settings: Settings, upload: FileUpload) -> Path:
    return directory(settings, upload.project_id) / upload.name


def find(db: Session, project_id: int, name: str) -> FileUpload | None:
    """The upload `/data/upload/<project>/<name>` names; anything but an exact stored name is None."""
    if not checks.is_id(project_id) or len(name) > 300 or "/" in name or "\x00" in name:
        return None
    return db.scalar(select(FileUpload).where(FileUpload.project_id == project_id, FileUpload.name == name))


def get(db: Session, upload_id: int) -> FileUpload:
    upload = db.get(FileUpload, upload_id) if checks.is_id(upload_id) else None
    if upload is None:
        raise NotFound(f"file upload {upload_id} not found")
    return upload


def listing(db: Session, project_id: int, ids: Sequence[int] | None = None) -> list[FileUpload]:
    q = select(FileUpload).where(FileUpload.project_id == project_id).order_by(FileUpload.id)
    if ids is not None:
        q = q.where(FileUpload.id.in_([i for i in ids if checks.is_id(i)] or [0]))
    return list(db.scalars(q))


def remove(
    db: Session, settings: Settings, user: User, project_id: int, uploads: Sequence[FileUpload]
) -> int:
    """Delete rows and files. Tasks that point at a removed file keep their URL, which then 404s,
    as in Label Studio."""
    if not uploads:
        return 0
    begin_write(db)
    ids = [u.id for u in uploads]
    files = [path_of(settings, u) for u in uploads]
    db.execute(delete(FileUpload).where(FileUpload.id.in_(ids)))
    activity.record(db, user, "file_uploads.deleted", "project", project_id, {"ids": ids}, project_id)
    db.commit()
    for path in files:
        path.unlink(missing_ok=True)
    return len(ids)
