"""CSV and TSV: columns are data keys, JSON columns make Label Studio tasks, errors name the line."""

from __future__ import annotations

import csv
import io
import tracemalloc
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise.io import readers
from labelwise.io.readers import ReadError
from tests.readers.streams import Generated, Trickle, items, records, upload


def test_rows_keep_their_line_numbers_across_quoted_newlines() -> None:
    got = records("t.csv", b'text,n\r\n"multi\nline",1\r\n\r\nplain,2\r\n')
    assert [(r.where, r.item) for r in got] == [
        ("t.csv: line 2", {"text": "multi\nline", "n": "1"}),
        ("t.csv: line 5", {"text": "plain", "n": "2"}),
    ]


def test_tsv_bom_and_short_rows() -> None:
    assert items("t.tsv", b"\xef\xbb\xbftext\tn\na\t1\nb\n") == [{"text": "a", "n": "1"}, {"text": "b"}]


def test_json_columns_make_label_studio_tasks() -> None:
    content = (
        b"text,annotations,predictions,meta\n"
        b'hi,"[{""result"": []}]","[{""result"": [], ""score"": 0.5}]","{""src"": ""web""}"\n'
        b"plain,,,\n"
    )
    assert items("t.csv", content) == [
        {
            "data": {"text": "hi"},
            "annotations": [{"result": []}],
            "predictions": [{"result": [], "score": 0.5}],
            "meta": {"src": "web"},
        },
        {"text": "plain"},
    ]


def _csv_lines(rows: int, width: int = 0) -> Iterator[bytes]:
    yield b"text,n\n"
    padding = b" words" * width
    for i in range(rows):
        yield b'"row %d, with a comma and ""quotes""%s",%d\n' % (i, padding, i)


def test_a_large_csv_streams_in_bounded_reads() -> None:
    source = Generated(_csv_lines(200_000))
    assert sum(1 for _ in readers.read("big.csv", upload(source), "text")) == 200_000
    assert 0 < source.largest <= 1 << 20 and source.total > 8_000_000


def test_a_large_csv_streams_in_bounded_memory() -> None:
    source = Generated(_csv_lines(40_000, width=50))
    tracemalloc.start()
    try:
        count = sum(1 for _ in readers.read("big.csv", upload(source), "text"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 40_000
    assert source.total > 13_000_000 and peak < source.total / 4


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tasks.csv", b"", "tasks.csv: the file is empty"),
        ("tasks.csv", b"\n\n  \n", "tasks.csv: the file is empty"),
        ("tasks.csv", b"text\n", "tasks.csv: no rows after the header"),
        ("tasks.csv", b"a,b,c\n1,2,3\n" * 3 + b"1,2,3,4\n", "tasks.csv: line 7: 4 fields, the header has 3"),
        ("tasks.csv", b" , \nx,y\n", "tasks.csv: line 1: the header row is empty"),
        ("tasks.csv", b"text,text\na,b\n", "tasks.csv: line 1: column 'text' appears twice in the header"),
        ("tasks.csv", b"text,,n\na,b,c\n", "tasks.csv: line 1: column 2 of the header has no name"),
        (
            "tasks.csv",
            b"text\tlabel\na\tb\n",
            "tasks.csv: line 1: one column only; the file looks tab-separated",
        ),
        ("tasks.csv", b"text;label\na;b\n", "looks semicolon-separated"),
        (
            "tasks.tsv",
            b"text,label\na,b\n",
            "tasks.tsv: line 1: one column only; the file looks comma-separated",
        ),
        (
            "tasks.csv",
            b"text\nok\ncaf\xe9\n",
            "tasks.csv: line 3: not valid UTF-8 (byte 0xE9); save the file as UTF-8",
        ),
        ("tasks.csv", b"text\nok\nnul\x00\n", "tasks.csv: line 3: NUL characters are not allowed"),
        ("tasks.csv", b'text\nok\n"never closed\nmore\n', "tasks.csv: line 3: a quoted cell is never closed"),
        ("tasks.csv", b'text\n"a"b\n', "tasks.csv: line 2: text after a closing quote"),
        (
            "tasks.csv",
            b'text,annotations\nx,"[{bad"\n',
            "tasks.csv: line 2: column annotations: malformed JSON",
        ),
        ("tasks.csv", b'text,meta\nx,"{""a"": ""\\u0000""}"\n', "tasks.csv: line 2: column meta: NUL"),
    ],
)
def test_bad_csv_names_the_file_and_line(name: str, content: bytes, message: str) -> None:
    with pytest.raises(ReadError) as err:
        items(name, content)
    assert message in err.value.detail


def test_the_bad_byte_line_is_exact_far_into_the_file() -> None:
    content = b"text\n" + b"fine line\n" * 300_000 + b"Gr\xfc\xdfe\n"
    with pytest.raises(ReadError, match=r"tasks.csv: line 300002: not valid UTF-8 \(byte 0xFC\)"):
        items("tasks.csv", Trickle(content, 100_000))


def test_limits_on_rows_and_line_length() -> None:
    with pytest.raises(ReadError, match=r"more than 2 tasks"):
        items("t.csv", b"text\na\nb\nc\n", max_items=2)
    with pytest.raises(ReadError, match=r"t.csv: line 3: a line longer than 1 KiB"):
        items("t.csv", b"text\nshort\n" + b"x" * 5000 + b"\n", max_line_bytes=1024)


def test_cells_beyond_the_csv_modules_default_field_limit() -> None:
    assert items("t.csv", b'text\n"' + b"w" * 300_000 + b'"\n') == [{"text": "w" * 300_000}]


_cell = st.text(alphabet=st.characters(codec="utf-8", blacklist_characters="\x00"))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=2, max_value=4).flatmap(
        lambda n: st.lists(st.lists(_cell, min_size=n, max_size=n), min_size=1, max_size=5)
    ),
    st.sampled_from([",", "\t"]),
    st.sampled_from(["\n", "\r\n"]),
    st.integers(min_value=1, max_value=50),
)
def test_csv_cells_round_trip(rows: list[list[str]], delimiter: str, terminator: str, step: int) -> None:
    """Quotes, delimiters and newlines inside cells come back exactly, at the line each row starts."""
    out = io.StringIO()
    # csv.writer leaves a lone "\r" unquoted when the terminator is "\n"; real writers quote it
    has_cr = any("\r" in cell for row in rows for cell in row)
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator, quoting=csv.QUOTE_ALL)
    if not has_cr:
        writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator)
    header = [f"c{i}" for i in range(len(rows[0]))]
    writer.writerow(header)
    starts = []
    for row in rows:
        starts.append(out.getvalue().count("\n") + 1)
        writer.writerow(row)
    name = "t.tsv" if delimiter == "\t" else "t.csv"
    got = records(name, Trickle(out.getvalue().encode(), step))
    assert [list(r.item.values()) for r in got] == rows
    if not has_cr:  # a lone "\r" counts as a line end to the csv module
        assert [r.where for r in got] == [f"{name}: line {n}" for n in starts]
