"""Readers: an uploaded file in any supported format → a stream of records, one per task.

Every reader is a generator over a binary stream read in bounded chunks, so a file is never
loaded whole; each record carries where it came from ("tasks.csv: line 12", "tasks.json: item 7",
"batch.zip/part1.jsonl: line 3"), which is how a refused row is reported. A media file (image,
audio, video), uploaded alone or inside a ZIP, becomes a record with a `MediaRef` to its bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from labelwise.io.readers.archive import read_zip
from labelwise.io.readers.base import Limits, MediaRef, ReadError, Record
from labelwise.io.readers.formats import MEDIA_KINDS, TASK_FORMATS, format_of, read_file

__all__ = ["MEDIA_KINDS", "TASK_FORMATS", "Limits", "MediaRef", "ReadError", "Record", "format_of", "read"]


def read(name: str, stream: BinaryIO, text_key: str | None, *, limits: Limits = Limits()) -> Iterator[Record]:
    """Records of one file; `text_key` is the config's single data key, which TXT lines go under.

    The format is checked at once (an unsupported name raises here); the file's content is read,
    and its errors raised, as the records are consumed.
    """
    fmt = format_of(name)
    if fmt == "zip":
        return read_zip(name, stream, text_key, limits)
    return read_file(fmt, name, stream, text_key, limits)
