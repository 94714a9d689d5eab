"""CSV and TSV, streamed: columns are data keys; `annotations`, `predictions` and `meta` columns
holding JSON make each row a Label Studio task with those parts.

The csv module reads straight from a TextIOWrapper (C all the way down, so a gigabyte file costs
seconds, not minutes); the byte `Source` under it counts lines, so a decoding error can still be
pinned to its line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from labelwise.io.readers.base import (
    JSON_COLUMNS,
    ByteSource,
    Limits,
    ReadError,
    Record,
    Source,
    fail,
    not_utf8,
    task_from_row,
)

_HINTS = {
    ",": (("\t", "tab", ".tsv"), (";", "semicolon", ".csv with commas")),
    "\t": ((",", "comma", ".csv"),),
}


def _allow_long_cells(limits: Limits) -> None:
    """The csv module refuses cells over 128 KiB by default, a limit long documents pass; the line
    limit already bounds memory. The setting is process-wide, so it is only ever raised."""
    if csv.field_size_limit() < limits.max_line_bytes:
        csv.field_size_limit(limits.max_line_bytes)


def _header(name: str, line: int, row: list[str], delimiter: str) -> list[str]:
    columns = [c.strip() for c in row]
    if not any(columns):
        raise fail(name, line, "the header row is empty")
    if len(columns) == 1:
        for sep, what, save_as in _HINTS[delimiter]:
            if sep in columns[0]:
                raise fail(
                    name, line, f"one column only; the file looks {what}-separated (save it as {save_as})"
                )
    seen: set[str] = set()
    for i, c in enumerate(columns, 1):
        if not c:
            raise fail(name, line, f"column {i} of the header has no name")
        if c in seen:
            raise fail(name, line, f"column {c!r} appears twice in the header")
        seen.add(c)
    return columns


def _blank(row: list[str]) -> bool:
    """An empty line (or one of spaces): skipped. A line of empty cells ("a,b" rows of ",") is not."""
    return len(row) <= 1 and not (row and row[0].strip())


def _csv_problem(message: str) -> str:
    if "unexpected end of data" in message:
        return "a quoted cell is never closed"
    if "expected after" in message:
        return f"text after a closing quote ({message}); double the quote to put one inside a cell"
    return message


def read_delimited(name: str, stream: ByteSource, delimiter: str, limits: Limits) -> Iterator[Record]:
    _allow_long_cells(limits)
    source = Source(name, stream, limits)
    reader = csv.reader(
        io.TextIOWrapper(source, encoding="utf-8-sig", newline=""), delimiter=delimiter, strict=True
    )
    count, start = 0, 1
    try:
        for first in reader:
            if not _blank(first):
                break
            start = reader.line_num + 1
        else:
            raise ReadError(f"{name}: the file is empty")
        columns = _header(name, start, first, delimiter)
        width = len(columns)
        json_columns = [c for c in columns if c in JSON_COLUMNS]
        start = reader.line_num + 1
        for row in reader:
            if _blank(row):
                start = reader.line_num + 1
                continue
            if len(row) > width:
                raise fail(name, start, f"{len(row)} fields, the header has {width}")
            if count >= limits.max_items:
                raise ReadError(f"{name}: more than {limits.max_items} tasks")
            # a short row leaves its last keys out, so a missing required cell is reported as such
            where = f"{name}: line {start}"
            item = dict(zip(columns, row, strict=False))
            yield Record(where, task_from_row(where, item, json_columns) if json_columns else item)
            count += 1
            start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        offset = len(source.last) - (len(exc.object) - exc.start)
        bad = exc.object[exc.start] if exc.start < len(exc.object) else None
        raise fail(name, source.line_of(offset), not_utf8(bad)) from None
    except csv.Error as exc:
        # an unclosed quote is only noticed at the end of the file: name the line where it opened
        at = start if "unexpected end of data" in str(exc) else reader.line_num
        raise fail(name, at, _csv_problem(str(exc))) from None
    if not count:
        raise ReadError(f"{name}: no rows after the header")
