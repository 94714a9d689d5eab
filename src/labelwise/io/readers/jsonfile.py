"""A JSON file of tasks: a list of tasks, streamed item by item, or a single task object.

A list is split at its top-level commas, tracking strings, escapes and nesting depth, so memory
holds one item, not the file; each item is then parsed by the one client-JSON parser (`io.jsonin`).
Splitting must not cost more than parsing: an item nested up to 12 levels is matched whole by one
regular expression, in C; deeper ones fall back to a token scanner that still consumes whole
strings at once. Item numbers count from 0, as JSON indexes and the API's body imports do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NoReturn

from labelwise.io import jsonin
from labelwise.io.readers.base import CHUNK, ByteSource, Limits, ReadError, Record, not_utf8, size_text
from labelwise.services.errors import Invalid

BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
_STR = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'


def _item_pattern(depth: int) -> re.Pattern[bytes]:
    """One item and the `,` or `]` after it, matched whole in C when brackets nest at most `depth`
    deep (Python's `re` has no recursion, so each level is spelled out). Possessive quantifiers
    keep a failed match linear. Brackets are paired by kind only loosely here; the parser of the
    item refuses a `{` closed by `]`."""
    inside = rb'(?:[^"\[\]{}]++|' + _STR + rb")*+"
    for _ in range(depth - 1):
        inside = rb'(?:[^"\[\]{}]++|' + _STR + rb"|[\[{]" + inside + rb"[\]}])*+"
    return re.compile(rb'((?:[^"\[\]{},]++|' + _STR + rb"|[\[{]" + inside + rb"[\]}])*+)[,\]]", re.DOTALL)


_ITEM = _item_pattern(12)
# For deeper items: a complete string | a string not closed within the bytes read so far | , |
# an opener | a closer.
_TOKEN = re.compile(rb"(" + _STR + rb')|(")|(,)|([\[{])|([\]}])', re.DOTALL)
_STRING, _OPEN_STRING, _COMMA, _OPEN, _CLOSE = 1, 2, 3, 4, 5


def _skip_blank(stream: ByteSource) -> tuple[bytes, int]:
    """Reads past a BOM and leading blanks: the first bytes that follow, and the line they are on."""
    pending, line, bom_checked = b"", 1, False
    while True:
        chunk = stream.read(CHUNK)
        pending += chunk
        if not bom_checked:
            if chunk and len(pending) < len(BOM) and BOM.startswith(pending):
                continue
            pending = pending.removeprefix(BOM)
            bom_checked = True
        rest = pending.lstrip(_WS)
        line += pending.count(b"\n", 0, len(pending) - len(rest))
        if rest or not chunk:
            return rest, line
        pending = b""


def _scan(buf: bytes, start: int) -> int:
    """Where the item starting at `start` ends (its `,` or `]`, or a stray closer), token by token;
    -1 when the bytes run out first."""
    depth = 1
    for m in _TOKEN.finditer(buf, start):
        kind = m.lastindex
        if kind == _STRING:
            continue
        if kind == _OPEN_STRING:
            return -1
        if kind == _OPEN:
            depth += 1
        elif kind == _CLOSE:
            depth -= 1
            if not depth:
                return m.start()
        elif depth == 1:
            return m.start()
    return -1


def _end_of_item(buf: bytes, start: int) -> int:
    m = _ITEM.match(buf, start)
    return m.end(1) if m is not None else _scan(buf, start)


def split_array(
    name: str, stream: ByteSource, buf: bytes, line: int, limits: Limits
) -> Iterator[tuple[int, int, bytes]]:
    """`(index, line, bytes)` of each item (its bytes from its first non-blank one) of the array
    that `buf` opens (`buf[0]` is its `[`); the rest is read from `stream` as needed."""
    start, index = 1, 0  # `start`: where the current item's bytes begin; `line`: the line there
    while True:
        end = _end_of_item(buf, start)
        while end < 0:
            _check_size(name, buf, start, line, index, len(buf) - start, limits)
            # Bigger reads while one item outgrows a chunk, so it is rescanned only a few times.
            chunk = stream.read(min(max(CHUNK, len(buf) - start), limits.max_line_bytes + 1))
            if not chunk:
                _truncated(name, buf[start:], line, index)
            buf, start = buf[start:] + chunk, 0
            end = _end_of_item(buf, 0)
        if end - start > limits.max_line_bytes:
            _check_size(name, buf, start, line, index, end - start, limits)
        raw = buf[start:end]
        body = raw.lstrip(_WS)
        at = line + raw.count(b"\n", 0, len(raw) - len(body))
        closer = buf[end : end + 1]
        if closer == b"}":
            raise ReadError(f"{name}: line {at}: item {index}: a '}}' closes more than was opened")
        if body:
            yield index, at, body
        elif closer == b"," or index:
            why = "a comma with no item before it" if closer == b"," else "a comma after the last item"
            raise ReadError(f"{name}: line {at}: {why} (item {index} is missing)")
        line += raw.count(b"\n")
        start, index = end + 1, index + 1
        if closer == b"]":
            _expect_end(name, stream, buf[start:], line)
            return


def _check_size(name: str, buf: bytes, start: int, line: int, index: int, size: int, limits: Limits) -> None:
    if size > limits.max_line_bytes:
        rest = buf[start:]
        at = line + rest.count(b"\n", 0, len(rest) - len(rest.lstrip(_WS)))
        raise ReadError(f"{name}: line {at}: item {index} is larger than {size_text(limits.max_line_bytes)}")


def _truncated(name: str, rest: bytes, line: int, index: int) -> NoReturn:
    if rest.strip(_WS):
        at = line + rest.count(b"\n", 0, len(rest) - len(rest.lstrip(_WS)))
        raise ReadError(
            f"{name}: the file ends inside item {index} (which starts on line {at}); is it truncated?"
        )
    raise ReadError(f"{name}: the file ends after item {index - 1} without closing the list with ']'")


def _expect_end(name: str, stream: ByteSource, rest: bytes, line: int) -> None:
    while True:
        body = rest.lstrip(_WS)
        if body:
            at = line + rest.count(b"\n", 0, len(rest) - len(body))
            raise ReadError(f"{name}: line {at}: text after the end of the list of tasks")
        line += rest.count(b"\n")
        rest = stream.read(CHUNK)
        if not rest:
            return


def _parse(name: str, where: str, line: int, raw: bytes) -> object:
    try:
        return jsonin.loads(raw, where)
    except Invalid as exc:
        if b"\x00" in raw:
            at = line + raw.count(b"\n", 0, raw.find(b"\x00"))
            raise ReadError(f"{name}: line {at}: NUL characters are not allowed") from None
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            at = line + raw.count(b"\n", 0, bad.start)
            raise ReadError(f"{name}: line {at}: {not_utf8(raw[bad.start])}") from None
        raise ReadError(exc.detail) from None


def read_json(name: str, stream: ByteSource, limits: Limits) -> Iterator[Record]:
    buf, line = _skip_blank(stream)
    if not buf:
        raise ReadError(f"{name}: the file is empty")
    if buf[:1] == b"{":
        parts, size = [buf], len(buf)
        while chunk := stream.read(CHUNK):
            parts.append(chunk)
            size += len(chunk)
            if size > limits.max_line_bytes:
                raise ReadError(f"{name}: a single task larger than {size_text(limits.max_line_bytes)}")
        yield Record(name, _parse(name, name, line, b"".join(parts)))
        return
    if buf[:1] != b"[":
        raise ReadError(f"{name}: line {line}: expected a list of tasks or one task object")
    count = 0
    for index, at, raw in split_array(name, stream, buf, line, limits):
        if count >= limits.max_items:
            raise ReadError(f"{name}: more than {limits.max_items} tasks")
        yield Record(f"{name}: item {index}", _parse(name, f"{name}: item {index} (line {at})", at, raw))
        count += 1
    if not count:
        raise ReadError(f"{name}: the list holds no tasks")
