"""Parquet: the JSON_MIN records as columns, written in row groups so memory holds one group.

The schema must be fixed before the first group is written, and a data key may hold a number in
one task and a string in the next, so data and control columns are text: strings as they are,
everything else as JSON. Only the columns whose type the export itself guarantees are typed
(ids as integers, lead time and score as floats), which is what joins and filters need.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.json_min import columns, peek, rows
from labelwise.io.exporters.selection import ExportOptions
from labelwise.io.exporters.sink import Sink

GROUP_ROWS = 10_000
GROUP_BYTES = 64 * 1024 * 1024  # long texts: flush by size too, or one group could hold gigabytes
INTEGERS = ("id", "annotation_id", "prediction_id")
FLOATS = ("lead_time", "score", "confidence")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return dumps(value).decode()


def _integer(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def arrow_schema(header: list[str]) -> Any:
    def kind(column: str) -> Any:
        if column in INTEGERS:
            return pa.int64()
        return pa.float64() if column in FLOATS else pa.string()

    return pa.schema([(c, kind(c)) for c in header])


def write_parquet(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    first, everything = peek(tasks)
    header = columns(schema, options, first)
    convert = {c: _integer if c in INTEGERS else _float if c in FLOATS else _text for c in header}
    table_schema = arrow_schema(header)
    sink = Sink()
    writer = pq.ParquetWriter(sink, table_schema)  # snappy, the default every Parquet reader has
    batch: dict[str, list[Any]] = {c: [] for c in header}
    count = size = 0
    for row in rows(everything, schema, options):
        for c in header:
            value = convert[c](row.get(c))
            batch[c].append(value)
            size += len(value) if isinstance(value, str) else 8
        count += 1
        if count >= GROUP_ROWS or size >= GROUP_BYTES:
            writer.write_table(pa.table(batch, schema=table_schema))
            batch = {c: [] for c in header}
            count = size = 0
            yield sink.take()
    if count:
        writer.write_table(pa.table(batch, schema=table_schema))
    writer.close()
    yield sink.take()
