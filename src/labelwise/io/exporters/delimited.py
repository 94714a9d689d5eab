"""CSV and TSV: the JSON_MIN records as rows; non-scalar cells JSON-encoded.

The header is known before the first row (data keys from the config, then one column per
control, then who and when), so the file streams in one pass.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.json_min import rows
from labelwise.io.exporters.selection import ExportOptions

TAIL = ("annotator", "annotation_id", "lead_time", "created_at", "updated_at")


def columns(schema: labeling.Schema) -> list[str]:
    out = ["id", *schema.data_keys, *schema.controls, *TAIL]
    return list(dict.fromkeys(out))


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return dumps(value).decode()


def _write(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions, dialect: str
) -> Iterator[bytes]:
    header = columns(schema)
    buf = io.StringIO()
    writer = csv.writer(buf, dialect=dialect, lineterminator="\n")
    writer.writerow(header)
    for n, row in enumerate(rows(tasks, schema, options), 1):
        writer.writerow([_cell(row.get(c)) for c in header])
        if n % 1000 == 0:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode()


def write_csv(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    return _write(tasks, schema, options, "excel")


def write_tsv(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    return _write(tasks, schema, options, "excel-tab")
