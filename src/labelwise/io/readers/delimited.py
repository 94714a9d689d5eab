"""CSV and TSV, streamed: columns are data keys; `annotations`, `predictions` and `meta` columns
holding JSON make the row a Label Studio task with those parts."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, BinaryIO

from labelwise.io import jsonin
from labelwise.io.readers.base import Limits, ReadError, Record, fail, text_lines
from labelwise.services.errors import Invalid

JSON_COLUMNS = ("annotations", "predictions", "meta")


class _Lines:
    """Feeds csv.reader line by line while remembering the physical line number for errors."""

    def __init__(self, lines: Iterator[tuple[int, str]]) -> None:
        self.lines = lines
        self.number = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        self.number, line = next(self.lines)
        return line


def _header(name: str, row: list[str], delimiter: str) -> list[str]:
    columns = [c.strip() for c in row]
    if not any(columns):
        raise fail(name, 1, "the header row is empty")
    if len(columns) == 1 and delimiter == ",":
        for sep, what in (("\t", "tab"), (";", "semicolon")):
            if sep in columns[0]:
                raise fail(
                    name,
                    1,
                    f"one column only; the file looks {what}-separated (save it as .tsv or with commas)",
                )
    seen: set[str] = set()
    for c in columns:
        if not c:
            raise fail(name, 1, "a column has no name")
        if c in seen:
            raise fail(name, 1, f"column {c!r} appears twice")
        seen.add(c)
    return columns


def _task(where: str, row: dict[str, str]) -> Any:
    if not any(c in row for c in JSON_COLUMNS):
        return row
    task: dict[str, Any] = {"data": {k: v for k, v in row.items() if k not in JSON_COLUMNS}}
    for column in JSON_COLUMNS:
        cell = row.get(column)
        if cell is not None and cell.strip():
            try:
                task[column] = jsonin.loads(cell, f"{where}: column {column}")
            except Invalid as exc:
                raise ReadError(exc.detail) from exc
    return task


def read_delimited(name: str, stream: BinaryIO, delimiter: str, limits: Limits) -> Iterator[Record]:
    lines = _Lines(text_lines(name, stream, limits))
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        first = next(reader, None)
        if first is None:
            raise ReadError(f"{name}: the file is empty")
        columns = _header(name, first, delimiter)
        count = 0
        start = lines.number + 1
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                start = lines.number + 1
                continue
            # a short row leaves its last keys out, so a missing required cell is reported as such
            if len(row) > len(columns):
                raise fail(name, start, f"{len(row)} fields, the header has {len(columns)}")
            where = f"{name}: line {start}"
            yield Record(where, _task(where, dict(zip(columns, row, strict=False))))
            count += 1
            if count > limits.max_items:
                raise ReadError(f"{name}: more than {limits.max_items} tasks")
            start = lines.number + 1
    except csv.Error as exc:
        raise fail(name, lines.number, str(exc)) from exc
    if not count:
        raise ReadError(f"{name}: no rows after the header")
