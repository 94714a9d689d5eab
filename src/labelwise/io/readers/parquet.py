"""Parquet: read in record batches (pyarrow), so memory holds one batch, not the file.

Column rules are those of CSV: columns are data keys; `annotations`, `predictions` and `meta`
columns (JSON text, or nested lists and structs) make each row a Label Studio task. Values become
what JSON can hold, because task data goes to JSON columns: timestamps as ISO 8601 text, decimals
as numbers, binary as UTF-8 text; strings with NUL are refused as everywhere else.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from labelwise.io.readers.base import (
    JSON_COLUMNS,
    ByteSource,
    Limits,
    ReadError,
    Record,
    Spilled,
    can_seek,
    read_head,
    task_from_row,
)

BATCH_ROWS = 5000
_INT_RANGE = range(-(2**63), 2**64)


class _Bad(Exception):
    """A value JSON cannot hold; turned into a ReadError naming row and column."""


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise _Bad("NUL characters are not allowed")
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        try:
            return _plain(value.decode("utf-8"))
        except UnicodeDecodeError:
            raise _Bad("binary values must be UTF-8 text") from None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        if value == value.to_integral_value() and int(value) in _INT_RANGE:
            return int(value)
        return float(value)
    raise _Bad(f"values of type {type(value).__name__} are not supported")


def _simple(kind: pa.DataType) -> bool:
    """Types whose Python values are already JSON values (strings are checked for NUL apart)."""
    checks = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_null)
    return any(check(kind) for check in checks)


def _column(name: str, first_row: int, column: str, values: pa.Array) -> list[Any]:
    kind = values.type
    if _simple(kind):
        return values.to_pylist()  # type: ignore[no-any-return]
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        found = pc.match_substring(values, "\x00")
        if pc.any(found).as_py():
            row = first_row + pc.index(found, True).as_py()
            raise ReadError(f"{name}: row {row}: column {column}: NUL characters are not allowed")
        return values.to_pylist()  # type: ignore[no-any-return]
    out = []
    for i, value in enumerate(values.to_pylist(maps_as_pydicts="strict")):
        try:
            out.append(_plain(value))
        except _Bad as exc:
            raise ReadError(f"{name}: row {first_row + i}: column {column}: {exc}") from None
    return out


def _open(name: str, stream: ByteSource) -> tuple[pq.ParquetFile, Spilled | None]:
    """Parquet needs random access (the schema is in a footer): a stream that cannot seek, such
    as a zip entry, is copied to a temporary file first."""
    spilled = None
    if not can_seek(stream):
        spilled = Spilled(stream)
        stream = spilled.file
    seekable: Any = stream
    start = seekable.tell()
    if not read_head(stream, 4):
        raise ReadError(f"{name}: the file is empty")
    seekable.seek(start)
    try:
        return pq.ParquetFile(stream), spilled
    except (pa.ArrowException, OSError, ValueError, TypeError, IndexError) as exc:
        raise ReadError(f"{name}: not a Parquet file ({str(exc)[:100]})") from None


def _columns(name: str, schema: pa.Schema) -> list[str]:
    names: list[str] = list(schema.names)
    seen: set[str] = set()
    for i, column in enumerate(names, 1):
        if not column.strip():
            raise ReadError(f"{name}: column {i} has no name")
        if column in seen:
            raise ReadError(f"{name}: column {column!r} appears twice")
        seen.add(column)
    return names


def read_parquet(name: str, stream: ByteSource, limits: Limits) -> Iterator[Record]:
    source, spilled = _open(name, stream)
    try:
        try:
            rows = source.metadata.num_rows
            names = _columns(name, source.schema_arrow)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ReadError(f"{name}: not a readable Parquet file ({str(exc)[:100]})") from None
        if rows > limits.max_items:
            raise ReadError(f"{name}: more than {limits.max_items} tasks")
        json_columns = [c for c in names if c in JSON_COLUMNS]
        number = 0
        try:
            # Single-threaded: pyarrow 26 has been seen to abort the interpreter at exit after threaded reads.
            for batch in source.iter_batches(batch_size=BATCH_ROWS, use_threads=False):
                columns = [_column(name, number + 1, c, batch.column(i)) for i, c in enumerate(names)]
                for values in zip(*columns, strict=True):
                    number += 1
                    if number > limits.max_items:
                        raise ReadError(f"{name}: more than {limits.max_items} tasks")
                    row = dict(zip(names, values, strict=True))
                    where = f"{name}: row {number}"
                    yield Record(where, task_from_row(where, row, json_columns) if json_columns else row)
        except (pa.ArrowException, OSError, ValueError, TypeError, IndexError, KeyError) as exc:
            raise ReadError(f"{name}: row {number + 1}: unreadable ({str(exc)[:100]})") from None
        if not number:
            raise ReadError(f"{name}: the file has no rows")
    finally:
        if spilled is not None:
            spilled.close()
