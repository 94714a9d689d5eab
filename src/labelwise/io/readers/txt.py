"""Plain text: one task per non-empty line, under the config's single data key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from labelwise.io.readers.base import Limits, ReadError, Record, text_lines


def read_txt(name: str, stream: BinaryIO, text_key: str | None, limits: Limits) -> Iterator[Record]:
    if text_key is None:
        raise ReadError(f"{name}: TXT import needs a labeling config with exactly one data key")
    count = 0
    for number, line in text_lines(name, stream, limits):
        text = line.rstrip("\r\n")
        if text.strip():
            yield Record(f"{name}: line {number}", {text_key: text})
            count += 1
    if not count:
        raise ReadError(f"{name}: the file is empty")
