"""Parquet: the JSON_MIN records as columns, written in row groups so memory holds one group.

Every column is text (numbers as written, nested values as JSON): one fixed schema known before
the first row, so the file streams, and `datasets.load_dataset("parquet", ...)` and pandas read it
without type conflicts between row groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.delimited import columns
from labelwise.io.exporters.json_min import rows
from labelwise.io.exporters.selection import ExportOptions
from labelwise.io.exporters.sink import Sink

GROUP_ROWS = 10_000


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return dumps(value).decode()


def write_parquet(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    header = columns(schema)
    arrow_schema = pa.schema([(c, pa.string()) for c in header])
    sink = Sink()
    writer = pq.ParquetWriter(sink, arrow_schema)
    batch: dict[str, list[str | None]] = {c: [] for c in header}
    for count, row in enumerate(rows(tasks, schema, options), 1):
        for c in header:
            batch[c].append(_cell(row.get(c)))
        if count % GROUP_ROWS == 0:
            writer.write_table(pa.table(batch, schema=arrow_schema))
            batch = {c: [] for c in header}
            yield sink.take()
    if batch[header[0]]:
        writer.write_table(pa.table(batch, schema=arrow_schema))
    writer.close()
    yield sink.take()
