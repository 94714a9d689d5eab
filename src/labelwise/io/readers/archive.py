"""ZIP archives of task and media files, read entry by entry with the reader of each entry's type.

Archives are hostile input: names that climb out (`..`, absolute paths, drive letters), symlink
entries, encrypted entries, too many entries, archives nested more than one level, and
decompression bombs are refused. Sizes and ratios are checked from the central directory first,
then every entry is counted again while it inflates, because headers can lie. The entry count is
read from the end record before zipfile parses the directory, since parsing a million entries
already costs gigabytes.
"""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any, BinaryIO

from labelwise.io.readers import media
from labelwise.io.readers.base import (
    CHUNK,
    ByteSource,
    Limits,
    MediaRef,
    ReadError,
    Record,
    Spilled,
    can_seek,
    read_head,
    size_text,
)
from labelwise.io.readers.formats import MEDIA_KINDS, format_of, read_file

JUNK_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
    struct.error,
    OverflowError,
)
_DRIVE = re.compile(r"^[A-Za-z]:")


class _Budget:
    """What the whole upload may still unpack, shared with a nested archive."""

    def __init__(self, limits: Limits) -> None:
        self.bytes, self.entries = limits.max_unzipped_bytes, limits.max_entries


class _Capped(io.RawIOBase):
    """One entry as it inflates, counted against its declared size, the ratio the archive allows
    and the upload's budget; zipfile's own errors become a ReadError naming the entry."""

    def __init__(
        self, where: str, raw: IO[bytes], info: zipfile.ZipInfo, budget: _Budget, limits: Limits
    ) -> None:
        super().__init__()
        self.where, self.raw, self.budget, self.limits = where, raw, budget, limits
        self.declared = info.file_size
        self.ceiling = max(info.compress_size, 1) * limits.max_ratio
        self.seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.raw.read(min(len(buffer), CHUNK))
        except _ZIP_ERRORS as exc:
            raise ReadError(f"{self.where}: damaged entry ({str(exc)[:80]})") from None
        self.seen += len(data)
        self.budget.bytes -= len(data)
        if self.seen > self.declared:
            raise ReadError(f"{self.where}: holds more bytes than its header declares (a zip bomb?)")
        if self.seen > self.ceiling:
            raise ReadError(f"{self.where}: compressed too well to be real data (a zip bomb?)")
        if self.budget.bytes < 0:
            raise ReadError(
                f"{self.where}: the archive unpacks to more than {size_text(self.limits.max_unzipped_bytes)}"
            )
        n = len(data)
        buffer[:n] = data
        return n


class _EntryOpener:
    """`MediaRef.open` for an archive entry: holds the archive (and its temporary file, for a nested
    one) so the reference works after the reader has moved on."""

    def __init__(
        self,
        where: str,
        archive: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        limits: Limits,
        keep: Spilled | None,
    ) -> None:
        self.where, self.archive, self.info, self.limits, self.keep = where, archive, info, limits, keep

    def __call__(self) -> BinaryIO:
        raw = _open_entry(self.where, self.archive, self.info)
        own = _Budget(self.limits)
        return io.BufferedReader(_Capped(self.where, raw, self.info, own, self.limits), CHUNK)


def _junk(filename: str) -> bool:
    base = filename.rsplit("/", 1)[-1]
    return filename.startswith("__MACOSX/") or base in JUNK_NAMES or base.startswith("._")


def _check(label: str, info: zipfile.ZipInfo, limits: Limits) -> str:
    """The entry's format, once its name, kind and sizes passed, so a bad entry anywhere in the
    archive is refused before any record is read."""
    where = f"{label}/{info.filename[:200]}"
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or ".." in name.split("/") or _DRIVE.match(name):
        raise ReadError(f"{where}: entry names must stay inside the archive")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ReadError(f"{where}: symbolic links are not allowed in archives")
    if info.flag_bits & 0x1:
        raise ReadError(f"{where}: encrypted entries are not supported")
    if info.file_size and (info.compress_size <= 0 or info.file_size > info.compress_size * limits.max_ratio):
        raise ReadError(f"{where}: compressed too well to be real data (a zip bomb?)")
    return format_of(f"{label}/{info.filename}")


def _declared_entries(file: IO[bytes]) -> int | None:
    """The entry count of the end-of-central-directory record (ZIP64 too), None when not found."""
    try:
        size = file.seek(0, io.SEEK_END)
        span = min(size, 22 + 0xFFFF)
        file.seek(size - span)
        tail = file.read(span)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + 22 > len(tail):
            return None
        count = int.from_bytes(tail[at + 10 : at + 12], "little")
        if count == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
            file.seek(int.from_bytes(tail[at - 12 : at - 4], "little"))
            record = file.read(56)
            return int.from_bytes(record[32:40], "little") if record[:4] == b"PK\x06\x06" else None
        return count
    finally:
        file.seek(0)


def _open_entry(where: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    try:
        return archive.open(info)
    except NotImplementedError:
        raise ReadError(f"{where}: compression method {info.compress_type} is not supported") from None
    except _ZIP_ERRORS as exc:
        raise ReadError(f"{where}: damaged entry ({str(exc)[:80]})") from None


def read_zip(name: str, stream: ByteSource, text_key: str | None, limits: Limits) -> Iterator[Record]:
    keep = None
    if not can_seek(stream):  # zipfile needs the central directory at the end: copy the upload first
        keep = Spilled(stream)
        stream = keep.file
    for count, record in enumerate(_archive(name, "", stream, keep, text_key, limits, _Budget(limits), 0), 1):
        if count > limits.max_items:
            raise ReadError(f"{name}: more than {limits.max_items} tasks")
        yield record


def _archive(
    label: str,
    prefix: str,
    file: Any,
    keep: Spilled | None,
    text_key: str | None,
    limits: Limits,
    budget: _Budget,
    depth: int,
) -> Iterator[Record]:
    if not read_head(file, 1):
        raise ReadError(f"{label}: the file is empty")
    declared = _declared_entries(file)
    if declared is not None and declared > budget.entries:
        raise ReadError(f"{label}: more than {limits.max_entries} files in the archive")
    try:
        archive = zipfile.ZipFile(file)
    except _ZIP_ERRORS:
        raise ReadError(f"{label}: not a valid ZIP archive") from None
    shared = False  # once a media reference points into the archive, it must stay open
    try:
        infos = archive.infolist()
        budget.entries -= len(infos)
        if budget.entries < 0:
            raise ReadError(f"{label}: more than {limits.max_entries} files in the archive")
        if any(not i.filename for i in infos):
            raise ReadError(f"{label}: an entry of the archive has no name")
        entries = [i for i in infos if not i.filename.endswith("/") and not _junk(i.filename)]
        formats = {info.filename: _check(label, info, limits) for info in entries}
        if sum(i.file_size for i in entries) > budget.bytes:
            raise ReadError(
                f"{label}: the archive unpacks to more than {size_text(limits.max_unzipped_bytes)}"
            )
        if not entries:
            raise ReadError(f"{label}: the archive holds no files")
        for info in sorted(entries, key=lambda i: i.filename):
            where, fmt = f"{label}/{info.filename}", formats[info.filename]
            if fmt == "zip":
                if depth >= 1:
                    raise ReadError(f"{where}: archives nested more than one level deep are not supported")
                with _open_entry(where, archive, info) as raw:
                    inner = Spilled(_Capped(where, raw, info, budget, limits))
                yield from _archive(
                    where, f"{prefix}{info.filename}/", inner.file, inner, text_key, limits, budget, 1
                )
            elif fmt in MEDIA_KINDS:
                with _open_entry(where, archive, info) as raw:
                    media.check(where, fmt, read_head(_Capped(where, raw, info, budget, limits), media.HEAD))
                path = prefix + info.filename
                shared = True
                yield Record(
                    where,
                    {"__media__": path},
                    MediaRef(path, fmt, _EntryOpener(where, archive, info, limits, keep)),
                )
            else:
                with _open_entry(where, archive, info) as raw:
                    yield from read_file(
                        fmt, where, _Capped(where, raw, info, budget, limits), text_key, limits
                    )
    finally:
        if not shared:
            archive.close()
            if keep is not None:
                keep.close()
