"""ZIP archives of task files, read entry by entry with the reader of each entry's type.

Archives are hostile input: names that climb out (`..`, absolute paths), symlink entries,
encrypted entries, too many entries, and decompression bombs are refused. Sizes are checked
from the directory first and then counted while inflating, because headers can lie.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, BinaryIO

from labelwise.io.readers.base import Limits, ReadError, Record

JUNK = ("__MACOSX/", ".DS_Store")


class _Capped:
    """A reader over one entry that stops at the byte budget and the ratio the archive allows."""

    def __init__(self, name: str, raw: IO[bytes], budget: int, ceiling: int) -> None:
        self.name, self.raw, self.left, self.ceiling, self.seen = name, raw, budget, ceiling, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if size > 0 else 1 << 20)
        self.seen += len(chunk)
        self.left -= len(chunk)
        if self.left < 0:
            raise ReadError(f"{self.name}: the archive unpacks to more than the allowed size")
        if self.seen > self.ceiling:
            raise ReadError(f"{self.name}: compressed too well to be real data (a zip bomb?)")
        return chunk

    def readable(self) -> bool:
        return True


def _check(archive: str, info: zipfile.ZipInfo, limits: Limits) -> None:
    where = f"{archive}/{info.filename[:200]}"
    parts = info.filename.replace("\\", "/").split("/")
    if info.filename.startswith(("/", "\\")) or ".." in parts or (len(parts[0]) == 2 and parts[0][1] == ":"):
        raise ReadError(f"{where}: entry names must stay inside the archive")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ReadError(f"{where}: symbolic links are not allowed in archives")
    if info.flag_bits & 0x1:
        raise ReadError(f"{where}: encrypted entries are not supported")
    if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
        raise ReadError(f"{where}: compressed too well to be real data (a zip bomb?)")


def read_zip(
    name: str,
    stream: BinaryIO,
    text_key: str | None,
    limits: Limits,
    read_entry: Callable[[str, BinaryIO, str | None, Limits], Iterator[Record]],
) -> Iterator[Record]:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(f"{name}: not a valid ZIP archive") from exc
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith(JUNK)]
        entries = [i for i in entries if not i.filename.endswith(JUNK[1])]
        if len(entries) > limits.max_entries:
            raise ReadError(f"{name}: more than {limits.max_entries} files in the archive")
        for info in entries:
            _check(name, info, limits)
        if sum(i.file_size for i in entries) > limits.max_unzipped_bytes:
            raise ReadError(f"{name}: the archive unpacks to more than {limits.max_unzipped_bytes} bytes")
        if not entries:
            raise ReadError(f"{name}: the archive holds no files")
        budget = limits.max_unzipped_bytes
        for info in sorted(entries, key=lambda i: i.filename):
            label = f"{name}/{info.filename}"
            if info.filename.lower().endswith(".zip"):
                raise ReadError(f"{label}: archives inside archives are not supported")
            try:
                with archive.open(info) as raw:
                    ceiling = max(info.compress_size, 1) * limits.max_ratio
                    capped = _Capped(label, raw, budget, ceiling)
                    yield from read_entry(label, capped, text_key, limits)  # type: ignore[arg-type]
                    budget = capped.left
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise ReadError(f"{label}: damaged entry ({str(exc)[:80]})") from exc
