"""CONLL 2003 as Label Studio writes it: `-DOCSTART- -X- O` once, then `token -X- _ TAG` per token
with IOB tags, and a blank line after each document.

Tokens are runs of non-space characters, found with their offsets so character spans land on
tokens exactly; a token that a span only partly covers takes the span's tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.exporters.selection import ExportOptions
from labelwise.io.exporters.spans import Span, documents, unavailable

__all__ = ["tags", "unavailable", "write_conll"]

_TOKEN = re.compile(r"\S+")
HEADER = "-DOCSTART- -X- O\n"


def tags(text: str, spans: list[Span]) -> Iterator[tuple[str, str]]:
    """(token, IOB tag) pairs; `spans` sorted by start. The first token of a span is B-, the rest I-;
    where spans overlap, a token belongs to the earliest."""
    begun: set[int] = set()
    first = 0  # spans before this index end before the current token
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        while first < len(spans) and spans[first][1] <= start:
            first += 1
        tag = "O"
        k = first
        while k < len(spans) and spans[k][0] < end:
            if spans[k][1] > start:
                tag = ("I-" if k in begun else "B-") + spans[k][2]
                begun.add(k)
                break
            k += 1
        yield match.group(), tag


def write_conll(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    yield HEADER.encode()
    for doc in documents(tasks, schema, options):
        lines = [f"{token} -X- _ {tag}\n" for token, tag in tags(doc.text, doc.spans)]
        lines.append("\n")
        yield "".join(lines).encode()
