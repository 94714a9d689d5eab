"""CSV and TSV: the JSON_MIN records as rows, as Label Studio's converter writes them.

Like LS the header is sorted, every non-numeric cell is quoted, and values that are not plain
strings or numbers (lists, dicts) are JSON text in their cell. Unlike LS, which reads the whole
export twice to learn the columns, the header comes from the config and the first task (see
`json_min.columns`), so the file streams in one pass.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.json_min import columns, peek, rows
from labelwise.io.exporters.selection import ExportOptions

BATCH = 1000


def cell(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):  # bool is an int: written True/False
        return value
    return dumps(value).decode()


def _write(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions, delimiter: str
) -> Iterator[bytes]:
    first, everything = peek(tasks)
    header = sorted(columns(schema, options, first))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    writer.writerow(header)
    for n, row in enumerate(rows(everything, schema, options), 1):
        writer.writerow([cell(row.get(c)) for c in header])
        if n % BATCH == 0:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode()


def write_csv(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    return _write(tasks, schema, options, ",")


def write_tsv(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    return _write(tasks, schema, options, "\t")
