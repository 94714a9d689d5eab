"""Uploaded task files to task items: JSON, JSONL, CSV, TSV and TXT.

A first cut that reads whole uploads; streaming readers per format replace it in step 2. Each item
comes with a label naming its file and line, so a refused item is reported where the user can find it.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from labelwise.io import jsonin
from labelwise.services.errors import Invalid

FORMATS = ("json", "jsonl", "csv", "tsv", "txt")


def _fail(name: str, line: int, why: str) -> Invalid:
    return Invalid(f"{name}: line {line}: {why}", {"file": [f"{name}: line {line}: {why}"]})


def _text(name: str, content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(name, content[: exc.start].count(b"\n") + 1, "not valid UTF-8") from exc
    nul = text.find("\x00")
    if nul >= 0:
        raise _fail(name, text.count("\n", 0, nul) + 1, "NUL characters are not allowed")
    return text


def read(name: str, content: bytes, text_key: str | None) -> tuple[str, list[Any], list[str]]:
    """Return (format, items, labels); `text_key` is the config's single data key, for TXT files."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FORMATS:
        raise Invalid(
            f"{name}: unsupported file type .{ext}; use one of {', '.join(FORMATS)}",
            {"file": [f"{name}: unsupported type"]},
        )
    if ext == "json":
        data = jsonin.loads(content, name)
        items = data if isinstance(data, list) else [data]
        return ext, items, [f"{name}: item {i}" for i in range(len(items))]
    text = _text(name, content)
    items, labels = [], []
    if ext == "jsonl":
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                items.append(jsonin.loads(line, f"{name}: line {i}"))
                labels.append(f"{name}: line {i}")
        return ext, items, labels
    if ext == "txt":
        if text_key is None:
            raise Invalid(
                f"{name}: TXT import needs a labeling config with exactly one data key",
                {"file": [f"{name}: no single data key"]},
            )
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                items.append({text_key: line})
                labels.append(f"{name}: line {i}")
        return ext, items, labels
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if ext == "tsv" else ",")
    row_start = 2  # the header is line 1
    try:
        for row in reader:
            if None in row:
                raise _fail(name, row_start, "more fields than the header has")
            items.append(dict(row))
            labels.append(f"{name}: line {row_start}")
            row_start = reader.line_num + 1
    except csv.Error as exc:
        raise _fail(name, row_start, str(exc)) from exc
    return ext, items, labels
