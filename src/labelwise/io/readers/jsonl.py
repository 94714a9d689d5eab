"""JSON Lines: one task per line, streamed; blank lines are skipped."""

from __future__ import annotations

from collections.abc import Iterator

from labelwise.io import jsonin
from labelwise.io.readers.base import ByteSource, Limits, ReadError, Record, byte_lines, fail, not_utf8
from labelwise.services.errors import Invalid


def read_jsonl(name: str, stream: ByteSource, limits: Limits) -> Iterator[Record]:
    count = 0
    for number, line in byte_lines(name, stream, limits):
        if not line.strip():
            continue
        where = f"{name}: line {number}"
        try:
            item = jsonin.loads(line, where)
        except Invalid as exc:
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise fail(name, number, not_utf8(line[bad.start])) from None
            raise ReadError(exc.detail) from None
        if count >= limits.max_items:
            raise ReadError(f"{name}: more than {limits.max_items} tasks")
        yield Record(where, item)
        count += 1
    if not count:
        raise ReadError(f"{name}: the file is empty")
