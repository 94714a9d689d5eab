"""What an import reads, whatever it came as: uploaded files, files staged earlier, a URL to
download. All of it becomes the `(where, item)` records `imports.store_stream` takes.

Media files (images, audio, video, alone or inside a ZIP) are stored as uploads on the way and
become one task each, their URL under the config's media `$key` (the key the Image, Audio or
Video tag reads), as Label Studio does. The files are written before the import commits, so a
failed import deletes them again: the import stays all or nothing on disk too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.engine import begin_write
from labelwise.db.models import FileUpload, Project, User
from labelwise.io import readers
from labelwise.io.readers import media
from labelwise.io.readers.base import read_head
from labelwise.services import activity, checks, imports, projects, uploads
from labelwise.services.errors import Invalid
from labelwise.settings import Settings
from labelwise.storage import fetch

_TAG = {"image": "Image", "audio": "Audio (or AudioPlus)", "video": "Video"}


def media_key(schema: labeling.Schema, kind: str) -> str | None:
    """The data key the config's first object tag of this media kind reads."""
    kinds = {kind, "audioplus"} if kind == "audio" else {kind}  # AudioPlus shows audio as Audio does
    return next((o.value_key for o in schema.objects.values() if o.type in kinds and o.value_key), None)


def text_key(schema: labeling.Schema) -> str | None:
    """The one data key TXT lines go under; None when the config reads several."""
    keys = schema.required_data_keys or schema.data_keys
    return keys[0] if len(keys) == 1 else None


@dataclass
class Intake:
    """One import's reading side: counts formats for the response, stores media as it meets them."""

    db: Session
    settings: Settings
    project: Project
    user: User
    formats: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.schema = projects.schema(self.project)
        self.text_key = text_key(self.schema)
        self.saver = uploads.Saver(self.db, self.settings, self.project, self.user)
        self.used: list[int] = []  # the uploads this import's tasks point at, new or staged

    def _media_task(self, name: str, kind: str) -> str:
        key = media_key(self.schema, kind)
        if key is None:
            raise Invalid(
                f"{name}: {media.NOUN[kind]}, but the labeling config has no {_TAG[kind]} tag to show it",
                {"file": [name]},
            )
        return key

    def records(self, name: str, stream: BinaryIO) -> Iterator[tuple[str, Any]]:
        """The tasks of one file; each media file in it is stored and becomes one task."""
        fmt = readers.format_of(name)
        self.formats[fmt] = self.formats.get(fmt, 0) + 1
        for record in readers.read(name, stream, self.text_key):
            ref = record.media
            if ref is None:
                yield record.where, record.item
                continue
            key = self._media_task(record.where, ref.kind)
            upload = self.saver.save(ref.name, ref.open(), ref.kind)
            self.used.append(upload.id)
            yield record.where, {key: uploads.url(upload)}

    def staged(
        self, upload: FileUpload, wrap: Callable[[BinaryIO], BinaryIO] | None = None
    ) -> Iterator[tuple[str, Any]]:
        """The tasks of a file stored by an upload that did not commit: a media file is already
        where it will be served, so it becomes its task without a copy."""
        name = upload.original_name or upload.name
        self.used.append(upload.id)
        if upload.kind in readers.MEDIA_KINDS:
            self.formats[upload.kind] = self.formats.get(upload.kind, 0) + 1
            yield name, {self._media_task(name, upload.kind): uploads.url(upload)}
            return
        try:
            stream = uploads.path_of(self.settings, upload).open("rb")
        except OSError:
            raise Invalid(f"{name}: the uploaded file is gone", {"file_upload_ids": [upload.id]}) from None
        with stream:
            yield from self.records(name, wrap(stream) if wrap else stream)

    def store(
        self,
        records: Iterable[tuple[str, Any]],
        skip_duplicates: bool = False,
        import_id: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> imports.Result:
        """All the records in one import; on any failure nothing stays, in the database or on disk."""
        try:
            return imports.store_stream(
                self.db,
                self.project,
                self.user,
                records,
                skip_duplicates=skip_duplicates,
                uploads=self.used,
                import_id=import_id,
                progress=progress,
            )
        except BaseException:
            self.saver.discard()
            raise

    def files(self, files: list[tuple[str, BinaryIO]], skip_duplicates: bool = False) -> imports.Result:
        return self.store((r for name, stream in files for r in self.records(name, stream)), skip_duplicates)

    def url(self, url: str, skip_duplicates: bool = False) -> imports.Result:
        return self.store(self.downloaded(url), skip_duplicates)

    def downloaded(self, url: str) -> Iterator[tuple[str, Any]]:
        """The records of a file downloaded through the guarded client (SSRF checks on every hop)
        into a spool, read like an upload named after the URL's last path segment."""
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "download.json"
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
            with fetch.open_url(url, fetch.Policy.from_settings(self.settings)) as response:
                if not 200 <= response.status_code < 300:
                    raise Invalid(
                        f"url: the server answered {response.status_code}", {"url": ["download failed"]}
                    )
                for chunk in response.iter_bytes():
                    spool.write(chunk)
            spool.seek(0)
            yield from self.records(name, spool)  # type: ignore[arg-type]

    def stage(self, files: list[tuple[str, BinaryIO]]) -> list[FileUpload]:
        """Store files without importing them (Label Studio's `commit_to_project=false`): each is
        checked for a supported type, media by content, and kept for a later `reimport`."""
        begin_write(self.db)
        try:
            stored = [self._stage_one(name, stream) for name, stream in files]
            activity.record(
                self.db, self.user, "files.uploaded", "project", self.project.id,
                {"file_upload_ids": [u.id for u in stored]}, self.project.id,
            )  # fmt: skip
            self.db.commit()
        except BaseException:
            self.db.rollback()
            self.saver.discard()
            raise
        return stored

    def _stage_one(self, name: str, stream: BinaryIO) -> FileUpload:
        fmt = readers.format_of(name)
        self.formats[fmt] = self.formats.get(fmt, 0) + 1
        if fmt in readers.MEDIA_KINDS:
            media.check(name, fmt, read_head(stream, media.HEAD))
            stream.seek(0)
        elif not read_head(stream, 1):
            raise Invalid(f"{name}: the file is empty", {"file": [name]})
        else:
            stream.seek(0)
        return self.saver.save(name, stream, fmt)


def chosen_uploads(db: Session, project: Project, wanted: Any) -> list[FileUpload]:
    """The staged uploads `wanted` names, in that order; anything that is not a list of this
    project's upload ids is a 400 before anything is read."""
    if not isinstance(wanted, list) or not wanted or not all(checks.is_id(i) for i in wanted):
        raise Invalid(
            "file_upload_ids: give a non-empty list of file upload ids", {"file_upload_ids": ["required"]}
        )
    by_id = {u.id: u for u in uploads.listing(db, project.id, wanted)}
    missing = [i for i in wanted if i not in by_id]
    if missing:
        raise Invalid(
            f"file_upload_ids: {missing[0]} is not a file uploaded to this project",
            {"file_upload_ids": [str(i) for i in missing]},
        )
    return [by_id[i] for i in wanted]
