"""Test doubles for uploads: non-seekable streams with short reads, and files generated on the fly."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, cast

from labelwise.io import readers


class Trickle(io.RawIOBase):
    """A non-seekable upload that hands out at most `step` bytes per read, as a socket might."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        super().__init__()
        self.data, self.step, self.pos = data, step, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.step, len(self.data) - self.pos)
        buffer[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


class Generated(io.RawIOBase):
    """A large file produced piece by piece; records the largest read asked for, so a reader that
    loads the whole file would show."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        super().__init__()
        self.pieces: Iterator[bytes] = iter(pieces)
        self.pending = b""
        self.largest = 0
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.largest = max(self.largest, len(buffer))
        if len(self.pending) < len(buffer):
            parts, size = [self.pending], len(self.pending)
            while size < len(buffer) and (piece := next(self.pieces, None)) is not None:
                parts.append(piece)
                size += len(piece)
            self.pending = b"".join(parts)
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        self.total += n
        return n


def upload(stream: io.IOBase) -> BinaryIO:
    """A test double as the binary file object readers are typed to take."""
    return cast(BinaryIO, stream)


def records(
    name: str, content: bytes | io.IOBase, key: str | None = "text", **limits: int
) -> list[readers.Record]:
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    return list(readers.read(name, upload(stream), key, limits=readers.Limits(**limits)))


def items(name: str, content: bytes | io.IOBase, key: str | None = "text", **limits: int) -> list[Any]:
    return [r.item for r in records(name, content, key, **limits)]


def zipped(entries: dict[str, bytes], *, symlink: str | None = None, encrypted: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            z.writestr(name, content)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
        if encrypted:
            z.writestr(encrypted, b"text\nsecret\n")
    content = buf.getvalue()
    return _mark_encrypted(content, encrypted.encode()) if encrypted else content


def _mark_encrypted(content: bytes, name: bytes) -> bytes:
    """zipfile cannot write encrypted entries: set the flag bit in both headers of `name`."""
    out = bytearray(content)
    for signature, flags, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        at = out.find(signature)
        while at >= 0:
            if out[at + name_at : at + name_at + len(name)] == name:
                out[at + flags] |= 0x1
            at = out.find(signature, at + 4)
    return bytes(out)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
