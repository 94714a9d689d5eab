"""Plain text: one task per non-empty line, under the config's single data key."""

from __future__ import annotations

from collections.abc import Iterator

from labelwise.io.readers.base import ByteSource, Limits, ReadError, Record, byte_lines, decode_line


def read_txt(name: str, stream: ByteSource, text_key: str | None, limits: Limits) -> Iterator[Record]:
    if text_key is None:
        raise ReadError(
            f"{name}: a TXT import needs a labeling config with exactly one data key "
            "(each line becomes that key's value)"
        )
    count = 0
    for number, raw in byte_lines(name, stream, limits):
        text = decode_line(name, number, raw).rstrip("\r\n")
        if text.strip():
            if count >= limits.max_items:
                raise ReadError(f"{name}: more than {limits.max_items} tasks")
            yield Record(f"{name}: line {number}", {text_key: text})
            count += 1
    if not count:
        raise ReadError(f"{name}: the file is empty")
