"""A JSON file of tasks: a list of tasks, or a single task object.

Parsed whole with the one client-JSON parser (`io.jsonin`): a JSON document has no line structure
to stream by, and orjson reads 100 MB in well under a second. Use JSONL for files beyond memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from labelwise.io import jsonin
from labelwise.io.readers.base import Limits, ReadError, Record
from labelwise.services.errors import Invalid


def read_json(name: str, stream: BinaryIO, limits: Limits) -> Iterator[Record]:
    raw = stream.read()
    if not raw.strip():
        raise ReadError(f"{name}: the file is empty")
    try:
        data = jsonin.loads(raw, name)
    except Invalid as exc:
        raise ReadError(exc.detail) from exc
    if isinstance(data, dict):
        yield Record(name, data)
        return
    if not isinstance(data, list):
        raise ReadError(f"{name}: expected a list of tasks or one task object, got {type(data).__name__}")
    if len(data) > limits.max_items:
        raise ReadError(f"{name}: more than {limits.max_items} tasks")
    for i, item in enumerate(data):
        yield Record(f"{name}: item {i}", item)
