"""JSON Lines and plain text: one task per line, numbered as an editor numbers them."""

from __future__ import annotations

import pytest

from labelwise.io.readers import ReadError
from tests.readers.streams import Trickle, items, records


def test_jsonl_skips_blank_lines_and_keeps_numbers() -> None:
    got = records("t.jsonl", b'\xef\xbb\xbf{"text": "a"}\r\n\n{"data": {"text": "b"}, "annotations": []}\n')
    assert [(r.where, r.item) for r in got] == [
        ("t.jsonl: line 1", {"text": "a"}),
        ("t.jsonl: line 3", {"data": {"text": "b"}, "annotations": []}),
    ]


def test_txt_one_task_per_non_empty_line() -> None:
    got = records("t.txt", Trickle(b'first line\r\n\n  \nsecond, with "quotes"\nno newline at end', 3))
    assert [(r.where, r.item) for r in got] == [
        ("t.txt: line 1", {"text": "first line"}),
        ("t.txt: line 4", {"text": 'second, with "quotes"'}),
        ("t.txt: line 5", {"text": "no newline at end"}),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.jsonl", b"", "t.jsonl: the file is empty"),
        ("t.jsonl", b"\n \n", "t.jsonl: the file is empty"),
        ("t.jsonl", b'{"text": "a"}\n{"text": \n', "t.jsonl: line 2: malformed JSON"),
        ("t.jsonl", b'{"text": "a"}\n{"text": "\xe9"}\n', "t.jsonl: line 2: not valid UTF-8 (byte 0xE9)"),
        ("t.jsonl", b'{"text": "a"}\n{"text": "\\u0000"}\n', "t.jsonl: line 2: NUL characters"),
        ("t.jsonl", b'{"text": "a"}\n\n{"n": 99999999999999999999999}\n', "t.jsonl: line 3: integer"),
        ("t.txt", b"", "t.txt: the file is empty"),
        ("t.txt", b"ok\nbad\x00\n", "t.txt: line 2: NUL characters are not allowed"),
        (
            "t.txt",
            b"ok\nLatin-1 caf\xe9\n",
            "t.txt: line 2: not valid UTF-8 (byte 0xE9); save the file as UTF-8",
        ),
    ],
)
def test_bad_lines_name_the_file_and_line(name: str, content: bytes, message: str) -> None:
    with pytest.raises(ReadError) as err:
        items(name, content)
    assert message in err.value.detail


def test_txt_needs_the_configs_single_data_key() -> None:
    with pytest.raises(
        ReadError, match=r"t.txt: a TXT import needs a labeling config with exactly one data key"
    ):
        items("t.txt", b"a\n", key=None)


def test_line_limits() -> None:
    with pytest.raises(ReadError, match=r"t.jsonl: line 2: a line longer than 1 KiB"):
        items("t.jsonl", b'{"a": 1}\n{"a": "' + b"x" * 3000 + b'"}\n', max_line_bytes=1024)
    with pytest.raises(ReadError, match=r"more than 1 tasks"):
        items("t.txt", b"a\nb\n", max_items=1)
