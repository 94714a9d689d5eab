"""Uploaded task files to task items: JSON, JSONL, CSV, TSV and TXT.

A first cut that reads whole uploads; streaming readers per format replace it in step 2.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from labelwise.services.errors import Invalid

FORMATS = ("json", "jsonl", "csv", "tsv", "txt")


def _text(name: str, content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise Invalid(f"{name}: line {line}: not valid UTF-8", {"file": [f"{name}: line {line}"]}) from exc


def read(name: str, content: bytes, text_key: str | None) -> tuple[str, list[Any]]:
    """Return (format, items). `text_key` is the config's single data key, for TXT files."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FORMATS:
        raise Invalid(
            f"{name}: unsupported file type .{ext}; use one of {', '.join(FORMATS)}",
            {"file": [f"{name}: unsupported type"]},
        )
    if ext == "json":
        try:
            data = orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            raise Invalid(f"{name}: malformed JSON: {exc}", {"file": [f"{name}: {exc}"]}) from exc
        return ext, data if isinstance(data, list) else [data]
    text = _text(name, content)
    if ext == "jsonl":
        items = []
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                raise Invalid(
                    f"{name}: line {i}: malformed JSON: {exc}", {"file": [f"{name}: line {i}"]}
                ) from exc
        return ext, items
    if ext == "txt":
        if text_key is None:
            raise Invalid(
                f"{name}: TXT import needs a labeling config with exactly one data key",
                {"file": [f"{name}: no single data key"]},
            )
        return ext, [{text_key: line} for line in text.splitlines() if line.strip()]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if ext == "tsv" else ",")
    items = []
    try:
        for row in reader:
            if None in row:
                raise Invalid(
                    f"{name}: line {reader.line_num}: more fields than the header has",
                    {"file": [f"{name}: line {reader.line_num}"]},
                )
            items.append(dict(row))
    except csv.Error as exc:
        raise Invalid(
            f"{name}: line {reader.line_num}: {exc}", {"file": [f"{name}: line {reader.line_num}"]}
        ) from exc
    return ext, items
