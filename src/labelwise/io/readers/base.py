"""What every reader shares: the record, the error that names file and line, limits, text decoding."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from labelwise.services.errors import Invalid

CHUNK = 1 << 20


class ReadError(Invalid):
    """A 400 whose message already says which file and which line."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, {"file": [detail]})


@dataclass(frozen=True)
class MediaRef:
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
    max_line_bytes: int = 64 << 20
    max_unzipped_bytes: int = 4 << 30
    max_ratio: int = 200
    max_entries: int = 10_000


def fail(name: str, line: int, why: str) -> ReadError:
    return ReadError(f"{name}: line {line}: {why}")


def text_lines(name: str, stream: BinaryIO, limits: Limits) -> Iterator[tuple[int, str]]:
    """Decoded lines with their numbers, read in chunks; bad UTF-8 and NUL are named by line.

    Line ends are kept, so the CSV reader can see quoted newlines as they were.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    number = 1
    while True:
        chunk = stream.read(CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            at = number + pending.count("\n") + chunk[: _bad_offset(chunk)].count(b"\n")
            raise fail(name, at, "not valid UTF-8; save the file as UTF-8") from None
        pending += text
        lines = pending.split("\n")
        pending = lines.pop()
        if len(pending) > limits.max_line_bytes:
            raise fail(name, number + len(lines), f"a line longer than {limits.max_line_bytes} bytes")
        for line in lines:
            _no_nul(name, number, line)
            yield number, line + "\n"
            number += 1
        if not chunk:
            break
    if pending:
        _no_nul(name, number, pending)
        yield number, pending


def _bad_offset(chunk: bytes) -> int:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return len(chunk)


def _no_nul(name: str, number: int, line: str) -> None:
    if "\x00" in line:
        raise fail(name, number, "NUL characters are not allowed")
