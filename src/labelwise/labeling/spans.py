"""Checks for regions that select part of a text, an HTML page, a dialogue, a recording or a time series.

Plain text spans are checked against the task text itself (bounds and the quoted `text`), which costs one
slice per region whatever the size of the text. Offsets are accepted as Python code points or, for text beyond
the Basic Multilingual Plane, as the UTF-16 units the browser counts.
"""

from __future__ import annotations

from typing import Any

from labelwise.labeling.region import Region, kind


def text_span(region: Region) -> None:
    start = _req_int(region, "start")
    end = _req_int(region, "end")
    if start < 0:
        region.fail("value.start", f"must not be negative, not {start}")
    if end <= start:
        region.fail("value.end", f"must be greater than start ({start}), not {end}")
    quoted = region.string("text", required=False)
    text = region.content.text
    if text is None or region.obj.value_type == "url":
        return
    if end <= len(text):
        selected = text[start:end]
        if quoted is None or selected == quoted:
            return
    selected_utf16 = _utf16_slice(region, start, end)
    if selected_utf16 is None:
        region.fail("value.end", f"{end} is beyond the end of the text (length {len(text)})")
    if quoted is not None and quoted != selected_utf16:
        region.fail("value.text", f"{_short(quoted)} does not match the text at {start}..{end}")


def html_span(region: Region) -> None:
    region.string("start")
    region.string("end")
    for key in ("startOffset", "endOffset"):
        offset = region.integer(key, required=False)
        if offset is not None and offset < 0:
            region.fail(f"value.{key}", f"must not be negative, not {offset}")
    region.string("text", required=False)
    offsets = region.value.get("globalOffsets")
    if offsets is not None and not isinstance(offsets, dict):
        region.fail("value.globalOffsets", "must be an object with start and end")


def paragraph_span(region: Region) -> None:
    start = _paragraph_index(region, "start")
    end = _paragraph_index(region, "end")
    if end < start:
        region.fail("value.end", f"must not come before start ({start}), not {end}")
    for key in ("startOffset", "endOffset"):
        offset = region.integer(key, required=False)
        if offset is not None and offset < 0:
            region.fail(f"value.{key}", f"must not be negative, not {offset}")
    region.string("text", required=False)
    paragraphs = region.content.value
    if isinstance(paragraphs, list) and end >= len(paragraphs):
        region.fail("value.end", f"paragraph {end} does not exist (there are {len(paragraphs)})")


def media_span(region: Region) -> None:
    start = region.number("start")
    end = region.number("end")
    assert start is not None and end is not None
    if start < 0:
        region.fail("value.start", f"must not be negative, not {start:g}")
    if end < start:
        region.fail("value.end", f"must not come before start ({start:g}), not {end:g}")
    region.integer("channel", required=False)


def time_series_span(region: Region) -> None:
    start = _number_or_string(region, "start")
    end = _number_or_string(region, "end")
    region.boolean("instant")
    if isinstance(start, float) and isinstance(end, float) and end < start:
        region.fail("value.end", f"must not come before start ({start:g}), not {end:g}")


def _req_int(region: Region, key: str) -> int:
    number = region.integer(key)
    assert number is not None
    return number


def _paragraph_index(region: Region, key: str) -> int:
    raw = region.value.get(key)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return raw
    region.fail(f"value.{key}", f"must be a paragraph index, not {kind(raw)}")


def _number_or_string(region: Region, key: str) -> float | str:
    raw: Any = region.value.get(key)
    if isinstance(raw, str) and raw:
        return raw
    number = region.number(key)
    assert number is not None
    return number


def _utf16_slice(region: Region, start: int, end: int) -> str | None:
    encoded = region.content.utf16()
    if 2 * end > len(encoded):
        return None
    return encoded[2 * start : 2 * end].decode("utf-16-le", "surrogatepass")


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
