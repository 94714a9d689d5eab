"""JSON Lines: one task per line, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from labelwise.io import jsonin
from labelwise.io.readers.base import Limits, ReadError, Record, text_lines
from labelwise.services.errors import Invalid


def read_jsonl(name: str, stream: BinaryIO, limits: Limits) -> Iterator[Record]:
    count = 0
    for number, line in text_lines(name, stream, limits):
        if not line.strip():
            continue
        where = f"{name}: line {number}"
        try:
            item = jsonin.loads(line, where)
        except Invalid as exc:
            raise ReadError(exc.detail) from exc
        yield Record(where, item)
        count += 1
        if count > limits.max_items:
            raise ReadError(f"{name}: more than {limits.max_items} tasks")
    if not count:
        raise ReadError(f"{name}: the file is empty")
