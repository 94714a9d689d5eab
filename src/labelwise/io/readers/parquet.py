"""Parquet: read in record batches (pyarrow), so memory holds one row group, not the file.

Column rules are those of CSV: columns are data keys; `annotations`, `predictions` and `meta`
columns (JSON text or nested lists) make the row a Label Studio task.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from labelwise.io import jsonin
from labelwise.io.readers.base import Limits, ReadError, Record
from labelwise.services.errors import Invalid

JSON_COLUMNS = ("annotations", "predictions", "meta")
BATCH_ROWS = 5000


def _task(where: str, row: dict[str, Any]) -> Any:
    if not any(row.get(c) is not None for c in JSON_COLUMNS):
        return {k: v for k, v in row.items() if k not in JSON_COLUMNS}
    task: dict[str, Any] = {"data": {k: v for k, v in row.items() if k not in JSON_COLUMNS}}
    for column in JSON_COLUMNS:
        value = row.get(column)
        if isinstance(value, str | bytes):
            try:
                value = jsonin.loads(value, f"{where}: column {column}")
            except Invalid as exc:
                raise ReadError(exc.detail) from exc
        if value is not None:
            task[column] = value
    return task


def read_parquet(name: str, stream: BinaryIO, limits: Limits) -> Iterator[Record]:
    try:
        source = pq.ParquetFile(pa.PythonFile(stream, mode="r"))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ReadError(f"{name}: not a Parquet file ({str(exc)[:100]})") from exc
    if source.metadata.num_rows > limits.max_items:
        raise ReadError(f"{name}: more than {limits.max_items} tasks")
    number = 0
    try:
        for batch in source.iter_batches(batch_size=BATCH_ROWS):
            for row in batch.to_pylist():
                number += 1
                where = f"{name}: row {number}"
                yield Record(where, _task(where, row))
    except (pa.ArrowException, OSError) as exc:
        raise ReadError(f"{name}: row {number + 1}: unreadable ({str(exc)[:100]})") from exc
    if not number:
        raise ReadError(f"{name}: the file has no rows")
