"""Parquet: the JSON_MIN records as columns, written in row groups so memory holds one group.

Every column is text (numbers as written, nested values as JSON): one fixed schema known before
the first row, so the file streams, and `datasets.load_dataset("parquet", ...)` and pandas read it
without type conflicts between row groups.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.delimited import columns
from labelwise.io.exporters.json_min import rows
from labelwise.io.exporters.selection import ExportOptions

GROUP_ROWS = 10_000


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return dumps(value).decode()


class _Sink(io.RawIOBase):
    """A write-only file whose bytes are drained after each row group, so the export streams."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        self.parts.append(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def drain(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def write_parquet(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    header = columns(schema)
    arrow_schema = pa.schema([(c, pa.string()) for c in header])
    sink = _Sink()
    writer = pq.ParquetWriter(sink, arrow_schema)
    batch: dict[str, list[str | None]] = {c: [] for c in header}
    for count, row in enumerate(rows(tasks, schema, options), 1):
        for c in header:
            batch[c].append(_cell(row.get(c)))
        if count % GROUP_ROWS == 0:
            writer.write_table(pa.table(batch, schema=arrow_schema))
            batch = {c: [] for c in header}
            yield sink.drain()
    if batch[header[0]]:
        writer.write_table(pa.table(batch, schema=arrow_schema))
    writer.close()
    yield sink.drain()
