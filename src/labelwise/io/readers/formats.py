"""Which reader a file name calls for, shared by the top-level dispatcher and the archive reader
(which reads its entries by their own extensions)."""

from __future__ import annotations

from collections.abc import Iterator

from labelwise.io.readers import media
from labelwise.io.readers.base import ByteSource, Limits, ReadError, Record
from labelwise.io.readers.delimited import read_delimited
from labelwise.io.readers.jsonfile import read_json
from labelwise.io.readers.jsonl import read_jsonl
from labelwise.io.readers.parquet import read_parquet
from labelwise.io.readers.txt import read_txt

TASK_FORMATS = ("json", "jsonl", "csv", "tsv", "txt", "parquet", "zip")
MEDIA_KINDS = ("image", "audio", "video")
_TASK_EXTENSIONS = {**{f: f for f in TASK_FORMATS}, "ndjson": "jsonl"}


def _supported() -> str:
    by_kind = {k: ", ".join(e for e, kind in media.EXTENSIONS.items() if kind == k) for k in MEDIA_KINDS}
    return (
        f"task files ({', '.join(TASK_FORMATS)}), images ({by_kind['image']}), "
        f"audio ({by_kind['audio']}) or video ({by_kind['video']})"
    )


def format_of(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    if ext in _TASK_EXTENSIONS:
        return _TASK_EXTENSIONS[ext]
    if ext in media.EXTENSIONS:
        return media.EXTENSIONS[ext]
    if ext in media.SCRIPTABLE:
        raise ReadError(
            f"{name}: {media.SCRIPTABLE[ext]} are not accepted, because they can carry scripts that "
            "would run in annotators' browsers; convert the file to PNG or text first"
        )
    kind = f".{ext}" if ext else "(no extension)"
    raise ReadError(f"{name}: unsupported file type {kind}; use {_supported()}")


def read_file(
    fmt: str, name: str, stream: ByteSource, text_key: str | None, limits: Limits
) -> Iterator[Record]:
    """Any format but ZIP (the archive reader calls this for its entries, and handles nesting)."""
    if fmt == "json":
        return read_json(name, stream, limits)
    if fmt == "jsonl":
        return read_jsonl(name, stream, limits)
    if fmt in ("csv", "tsv"):
        return read_delimited(name, stream, "\t" if fmt == "tsv" else ",", limits)
    if fmt == "txt":
        return read_txt(name, stream, text_key, limits)
    if fmt == "parquet":
        return read_parquet(name, stream, limits)
    if fmt in MEDIA_KINDS:
        return media.read_media(name, stream, fmt)
    raise ReadError(f"{name}: unsupported file type")
