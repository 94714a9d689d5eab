"""Local-directory storage: Label Studio's `localfiles` import storages, synced incrementally.

A sync walks the directory (inside the admin's roots, see `storage.paths`) and imports the files
it has not synced before, as every storage type does (`storage.sync`). A media file's task holds
`/data/local-files/?d=<path relative to the root>`, Label Studio's URL shape, served by
`api.media`. `regex_filter` matches the file name or the key under the storage directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Storage, StorageLink
from labelwise.services.errors import Invalid
from labelwise.settings import Settings
from labelwise.storage import paths
from labelwise.storage.sync import COMMON_FIELDS, Kind, apply_common

TYPE = "localfiles"
URL_PREFIX = "/data/local-files/?d="
FIELDS = ("path", *COMMON_FIELDS)


def url_prefix(settings: Settings, base: Path) -> str:
    """`/data/local-files/?d=<storage directory relative to its root>/`, for keys to follow."""
    rel = paths.url_path(settings, base, "")
    if rel is None:
        raise Invalid("the storage directory is no longer inside the allowed roots", {"path": ["outside"]})
    return URL_PREFIX + ("" if rel == "." else quote(rel) + "/")


def _apply(settings: Settings, storage: Storage, data: dict[str, Any], synced: bool) -> None:
    if "path" in data or "path" not in storage.settings:
        real = str(paths.storage_dir(settings, data.get("path")))
        if synced and real != storage.settings.get("path"):
            raise Invalid(
                "path: this storage has synced files from its directory already; "
                "create another storage to read another directory",
                {"path": ["cannot change after a sync"]},
            )
        storage.settings = {**storage.settings, "path": real}
    apply_common(storage, data)


class _Directory:
    """The storage's directory as a sync source."""

    match_names = True

    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.base = paths.storage_dir(settings, storage.settings.get("path"))
        self.recursive = storage.recursive_scan
        self.prefix = url_prefix(settings, self.base)

    def entries(self) -> list[paths.Entry]:
        return paths.scan(self.base, self.recursive)

    def media_url(self, key: str) -> str:
        return self.prefix + quote(key)

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        opened = paths.open_inside(self.base, key)
        if opened is None:
            raise Invalid(f"{key}: cannot be opened (gone, or no longer a plain file inside the storage)")
        with os.fdopen(opened.fd, "rb") as stream:
            yield stream


KIND = Kind(TYPE, "local storage", FIELDS, _apply, _Directory)


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
