"""JSON files: lists stream item by item through the splitter; a single object is one task."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise.io import readers
from labelwise.io.readers import ReadError
from tests.readers.streams import Generated, Trickle, items, records, upload


def test_a_list_yields_its_items_with_their_index() -> None:
    got = records("tasks.json", b'[{"text": "a"},\n {"text": "b"}]')
    assert [(r.where, r.item) for r in got] == [
        ("tasks.json: item 0", {"text": "a"}),
        ("tasks.json: item 1", {"text": "b"}),
    ]


def test_a_single_object_is_one_task() -> None:
    task = {"data": {"text": "one"}, "annotations": [{"result": []}]}
    assert items("t.json", b"\xef\xbb\xbf \n" + orjson.dumps(task)) == [task]


def test_brackets_commas_and_escapes_inside_strings_do_not_split_items() -> None:
    tricky = [{"text": 'a],[{"b": 1},', "q": '\\"', "u": "\u00e9\u4e2d\U0001f600"}, {"n": [[1, {"x": "]"}]]}]
    raw = json.dumps(tricky, ensure_ascii=False, indent=2).encode()
    assert items("t.json", raw) == tricky
    assert items("t.json", Trickle(raw, 1)) == tricky


def test_deeply_nested_items_fall_back_to_the_token_scanner() -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = {"k": [deep, "],"]}
    assert items("t.json", orjson.dumps([deep, {"text": "after"}])) == [deep, {"text": "after"}]


def test_an_item_spanning_many_reads_is_reassembled() -> None:
    big = [{"text": "y" * 3_000_000, "n": 1}, {"text": "z"}]
    assert items("t.json", Trickle(orjson.dumps(big), 200_000)) == big


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "t.json: the file is empty"),
        (b" \n\t", "t.json: the file is empty"),
        (b"[]", "t.json: the list holds no tasks"),
        (b'[{"a": 1},\n{"a": 2},\n{"a": ', "t.json: the file ends inside item 2 (which starts on line 3)"),
        (b'[{"a": 1},\n{"a": "open string', "t.json: the file ends inside item 1"),
        (b'[{"a": 1},\n', "t.json: the file ends after item 0 without closing the list"),
        (b'[{"a": 1},,{"a": 2}]', "t.json: line 1: a comma with no item before it (item 1 is missing)"),
        (b'[{"a": 1},\n]', "t.json: line 2: a comma after the last item"),
        (b'[{"a": 1}]\n\nmore', "t.json: line 3: text after the end of the list"),
        (b'[{"a": 1},\n {"a": \xe9}]', "t.json: line 2: not valid UTF-8 (byte 0xE9); save the file as UTF-8"),
        (b'[{"a": 1},\n {"a": "\\u0000"}]', "t.json: item 1 (line 2): NUL characters"),
        (b'[{"a": 1},\n {"a": "x\x00"}]', "t.json: line 2: NUL characters are not allowed"),
        (
            b'[\n{"a": 123456789012345678901234}]',
            "t.json: item 0 (line 2): integer 123456789012345678901234 is beyond 64 bits",
        ),
        (b'[{"a": 1},\n\n {"a": tru}]', "t.json: item 1 (line 3): malformed JSON"),
        (b'[{"a": 1}}]', "t.json: line 1: item 0: a '}' closes more than was opened"),
        (b'"just text"', "t.json: line 1: expected a list of tasks or one task object"),
        (b'{"a": 1} trailing', "t.json: malformed JSON"),
    ],
)
def test_bad_json_names_the_file_and_place(content: bytes, message: str) -> None:
    with pytest.raises(ReadError) as err:
        items("t.json", content)
    assert message in err.value.detail
    assert err.value.errors == {"file": [err.value.detail]}


def test_limits_on_items_and_item_size() -> None:
    with pytest.raises(ReadError, match=r"more than 2 tasks"):
        items("t.json", b"[1, 2, 3]", max_items=2)
    with pytest.raises(ReadError, match=r"t.json: line 2: item 1 is larger than 1 KiB"):
        items("t.json", b'[1,\n"' + b"x" * 5000 + b'"]', max_line_bytes=1024)
    with pytest.raises(ReadError, match=r"a single task larger than 1 KiB"):
        items("t.json", b'{"text": "' + b"x" * (2 << 20) + b'"}', max_line_bytes=1024)


def _large_list(rows: int) -> Iterator[bytes]:
    item = b'{"text": "row %d with [brackets] and \\"quotes\\", ' + b"words " * 50 + b'", "n": %d}'
    for i in range(rows):
        yield (b"[" if i == 0 else b",\n") + item % (i, i)
    yield b"]"


def test_a_large_list_streams_in_bounded_memory() -> None:
    source = Generated(_large_list(60_000))
    tracemalloc.start()
    try:
        count = sum(1 for _ in readers.read("big.json", upload(source), None))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 60_000
    assert source.total > 19_000_000 and peak < source.total / 2
    assert source.largest <= 1 << 20


_chars = st.characters(codec="utf-8", blacklist_characters="\x00")
_text = st.text(alphabet=_chars)
_keys = st.text(alphabet=_chars, max_size=8)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
    | st.sampled_from(['"', "\\", "],", "[{", '\\"', "}", "\\u0041", "\n", "\t"])
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.dictionaries(_keys, _json, max_size=5), min_size=1, max_size=6),
    st.sampled_from(["orjson", "ascii", "indented"]),
    st.integers(min_value=1, max_value=64),
)
def test_the_splitter_agrees_with_orjson(tasks: list[dict[str, Any]], style: str, step: int) -> None:
    """Whatever the items hold and however the bytes arrive, the items are those orjson reads."""
    if style == "orjson":
        raw = orjson.dumps(tasks)
    else:
        raw = json.dumps(
            tasks, ensure_ascii=style == "ascii", indent=2 if style == "indented" else None
        ).encode()
    assert items("t.json", Trickle(raw, step)) == orjson.loads(raw)
