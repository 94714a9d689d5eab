"""What every reader shares: the record, the error that names file and line, limits, and the byte
source that refuses NUL bytes and runaway lines while counting lines for error messages."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, Protocol

from labelwise.io import jsonin
from labelwise.services.errors import Invalid

# Reads from the caller's stream never ask for more than this, so memory does not follow file size.
CHUNK = 1 << 20


class ByteSource(Protocol):
    """The least a reader needs from a stream: upload spools, zip entries and test doubles all have it."""

    def read(self, size: int = ..., /) -> bytes: ...


class ReadError(Invalid):
    """A 400 whose message already says which file and which line, so the API passes it on as is."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, {"file": [detail]})


@dataclass(frozen=True)
class MediaRef:
    """A media file found in an upload. `open()` gives its bytes from the start; for an archive entry
    it stays usable after later records were read (the archive lives as long as this reference)."""

    name: str
    kind: str
    open: Callable[[], BinaryIO]


@dataclass(frozen=True)
class Record:
    where: str
    item: Any
    media: MediaRef | None = None


@dataclass(frozen=True)
class Limits:
    max_items: int = 10_000_000
    max_unzipped_bytes: int = 4 << 30
    max_ratio: int = 200
    max_entries: int = 10_000
    max_line_bytes: int = 64 << 20


def fail(name: str, line: int, why: str) -> ReadError:
    return ReadError(f"{name}: line {line}: {why}")


def size_text(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"


def not_utf8(byte: int | None) -> str:
    seen = f" (byte 0x{byte:02X})" if byte is not None else ""
    return f"not valid UTF-8{seen}; save the file as UTF-8"


def can_seek(stream: object) -> bool:
    try:
        return bool(stream.seekable())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


class Spilled:
    """A copy of a non-seekable stream in an anonymous temporary file, for formats that need random
    access (Parquet's footer, a ZIP's central directory). Closed when nothing refers to it any more,
    so media references into it stay valid as long as the caller keeps them."""

    def __init__(self, stream: ByteSource) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (outlives this call; closed below)
        while chunk := stream.read(CHUNK):
            self.file.write(chunk)
        self.file.seek(0)

    def close(self) -> None:
        self.file.close()

    def __del__(self) -> None:
        self.file.close()


def read_head(stream: ByteSource, size: int) -> bytes:
    """The first `size` bytes, however short the stream's reads are."""
    head = b""
    while len(head) < size:
        chunk = stream.read(size - len(head))
        if not chunk:
            break
        head += chunk
    return head


class Source(io.RawIOBase):
    """The caller's stream as the text readers see it.

    Every chunk is checked as it passes: NUL bytes (PostgreSQL cannot store them) and lines longer
    than the limit (a one-line gigabyte would otherwise be buffered whole by the line splitters)
    are refused with the line they are on. Newlines are counted here, in C-speed `bytes.count`, so
    the decoders above can turn a byte offset into a line number when they fail.
    """

    def __init__(self, name: str, stream: ByteSource, limits: Limits) -> None:
        super().__init__()
        self.name, self.stream, self.max_line = name, stream, limits.max_line_bytes
        self.lines_before = 0  # newlines before `last`
        self.last = b""  # the chunk handed out most recently
        self.run = 0  # bytes since the last newline
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(min(len(buffer), CHUNK))
        self._inspect(data)
        n = len(data)
        buffer[:n] = data
        return n

    def line_of(self, offset: int) -> int:
        """The line of byte `offset` of the last chunk."""
        return self.lines_before + self.last.count(b"\n", 0, max(offset, 0)) + 1

    def _inspect(self, data: bytes) -> None:
        self.lines_before += self.last.count(b"\n")
        self.last = data
        self.total += len(data)
        nul = data.find(b"\x00")
        if nul >= 0:
            raise fail(self.name, self.line_of(nul), "NUL characters are not allowed")
        if self.run + len(data) <= self.max_line:  # no line in this chunk can be too long
            end = data.rfind(b"\n")
            self.run = self.run + len(data) if end < 0 else len(data) - end - 1
            return
        start, run = 0, self.run
        while (end := data.find(b"\n", start)) >= 0:
            if run + end - start > self.max_line:
                break
            start, run = end + 1, 0
        else:
            run += len(data) - start
            if run <= self.max_line:
                self.run = run
                return
        raise fail(self.name, self.line_of(start), f"a line longer than {size_text(self.max_line)}")


def byte_lines(name: str, stream: ByteSource, limits: Limits) -> Iterator[tuple[int, bytes]]:
    """Numbered lines as bytes (newline kept), read in bounded chunks; a leading BOM is dropped."""
    lines = io.BufferedReader(Source(name, stream, limits), CHUNK)
    for number, line in enumerate(lines, 1):
        yield number, (line[3:] if number == 1 and line.startswith(b"\xef\xbb\xbf") else line)


def decode_line(name: str, number: int, line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(name, number, not_utf8(line[exc.start])) from None


JSON_COLUMNS = ("annotations", "predictions", "meta")


def empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def task_from_row(where: str, row: dict[str, Any], json_columns: list[str]) -> dict[str, Any]:
    """A Label Studio task when the row holds annotations, predictions or meta; else its data alone,
    the plain shape the importer stores fastest."""
    data = {k: v for k, v in row.items() if k not in JSON_COLUMNS}
    if all(empty(row.get(c)) for c in json_columns):
        return data
    task: dict[str, Any] = {"data": data}
    for column in json_columns:
        value = row[column]
        if isinstance(value, str):
            if not value.strip():
                continue
            try:
                value = jsonin.loads(value, f"{where}: column {column}")
            except Invalid as exc:
                raise ReadError(exc.detail) from None
        if value is not None:
            task[column] = value
    return task
