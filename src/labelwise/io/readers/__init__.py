"""Readers: a file of tasks in any supported format → a stream of records, one per task.

Every reader is a generator over a binary stream, so a file is never loaded whole; each record
carries where it came from ("tasks.csv: line 12"), which is how a refused row is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from labelwise.io.readers.archive import read_zip
from labelwise.io.readers.base import Limits, MediaRef, ReadError, Record
from labelwise.io.readers.delimited import read_delimited
from labelwise.io.readers.jsonfile import read_json
from labelwise.io.readers.jsonl import read_jsonl
from labelwise.io.readers.parquet import read_parquet
from labelwise.io.readers.txt import read_txt

TASK_FORMATS = ("json", "jsonl", "csv", "tsv", "txt", "parquet", "zip")

__all__ = ["TASK_FORMATS", "Limits", "MediaRef", "ReadError", "Record", "format_of", "read"]


def format_of(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in TASK_FORMATS:
        raise ReadError(f"{name}: unsupported file type .{ext}; use one of {', '.join(TASK_FORMATS)}")
    return ext


def read(
    name: str, stream: BinaryIO, text_key: str | None, *, limits: Limits | None = None
) -> Iterator[Record]:
    fmt = format_of(name)
    limits = limits or Limits()
    if fmt == "json":
        return read_json(name, stream, limits)
    if fmt == "jsonl":
        return read_jsonl(name, stream, limits)
    if fmt == "txt":
        return read_txt(name, stream, text_key, limits)
    if fmt == "parquet":
        return read_parquet(name, stream, limits)
    if fmt == "zip":
        return read_zip(name, stream, text_key, limits, _entry)
    return read_delimited(name, stream, "\t" if fmt == "tsv" else ",", limits)


def _entry(name: str, stream: BinaryIO, text_key: str | None, limits: Limits) -> Iterator[Record]:
    return read(name, stream, text_key, limits=limits)
