"""Readers: every format streams records naming file and line; bad files fail with that place."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise.io import readers
from labelwise.io.readers import ReadError


def _read(name: str, content: bytes, key: str | None = "text") -> list[readers.Record]:
    return list(readers.read(name, io.BytesIO(content), key))


def test_each_format_yields_its_tasks_with_their_place() -> None:
    assert [r.item for r in _read("t.json", b'[{"text": "a"}, {"text": "b"}]')] == [
        {"text": "a"},
        {"text": "b"},
    ]
    assert _read("t.json", b'{"text": "one"}')[0].item == {"text": "one"}
    jsonl = _read("t.jsonl", b'{"text": "a"}\n\n{"text": "b"}\n')
    assert [(r.where, r.item) for r in jsonl] == [
        ("t.jsonl: line 1", {"text": "a"}),
        ("t.jsonl: line 3", {"text": "b"}),
    ]
    csv_rows = _read("t.csv", b'text,n\n"multi\nline",1\nplain,2\n')
    assert [(r.where, r.item) for r in csv_rows] == [
        ("t.csv: line 2", {"text": "multi\nline", "n": "1"}),
        ("t.csv: line 4", {"text": "plain", "n": "2"}),
    ]
    assert _read("t.tsv", b"text\tn\na\t1\n")[0].item == {"text": "a", "n": "1"}
    assert [r.item for r in _read("t.txt", b"first\n\nsecond\r\n")] == [{"text": "first"}, {"text": "second"}]


def test_json_columns_in_csv_make_label_studio_tasks() -> None:
    content = b'text,annotations\nhi,"[{""result"": []}]"\n'
    assert _read("t.csv", content)[0].item == {"data": {"text": "hi"}, "annotations": [{"result": []}]}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.csv", b"", "t.csv: the file is empty"),
        ("t.json", b"  ", "t.json: the file is empty"),
        ("t.jsonl", b'{"text": "a"}\n{"text": \n', "t.jsonl: line 2"),
        ("t.json", b'[{"text": "a"}, {"text"', "t.json"),
        ("t.csv", b"text,n\na,1,extra\n", "t.csv: line 2: 3 fields, the header has 2"),
        ("t.csv", b"text,text\na,b\n", "appears twice"),
        ("t.csv", b"text\tlabel\na\tb\n", "tab-separated"),
        ("t.csv", b"text\n\xe9t\xe9\n", "t.csv: line 2: not valid UTF-8"),
        ("t.txt", b"ok\nbad\x00\n", "t.txt: line 2: NUL"),
        ("t.xlsx", b"PK", "unsupported file type .xlsx"),
        ("t.csv", b"text\n", "no rows after the header"),
    ],
)
def test_bad_files_name_the_file_and_line(name: str, content: bytes, message: str) -> None:
    with pytest.raises(ReadError) as err:
        _read(name, content)
    assert message in err.value.detail


def test_txt_needs_a_single_data_key() -> None:
    with pytest.raises(ReadError, match="exactly one data key"):
        _read("t.txt", b"a\n", key=None)


class _Counting(io.RawIOBase):
    """A large CSV produced on the fly; records the largest read so a whole-file read would show."""

    def __init__(self, rows: int) -> None:
        self.lines = (f"row {i},{i}\n".encode() for i in range(rows))
        self.buffer = b"text,n\n"
        self.largest = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.largest = max(self.largest, size)
        while (size < 0 or len(self.buffer) < size) and (line := next(self.lines, None)) is not None:
            self.buffer += line
        out, self.buffer = (self.buffer, b"") if size < 0 else (self.buffer[:size], self.buffer[size:])
        return out


def test_a_large_csv_streams_in_bounded_reads() -> None:
    source = _Counting(300_000)
    count = sum(1 for _ in readers.read("big.csv", source, "text"))  # type: ignore[arg-type]
    assert count == 300_000 and 0 < source.largest <= 1 << 20


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_characters="\x00\r", blacklist_categories=("Cs",)), min_size=1
        ),
        min_size=1,
        max_size=5,
    )
)
def test_csv_cells_round_trip(cells: list[str]) -> None:
    """Quotes, commas, tabs and newlines inside cells come back exactly (carriage returns are
    line-end noise and excluded; a row of blank cells is skipped by design)."""
    import csv

    if not any(c.strip() for c in cells):
        return
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[f"c{i}" for i in range(len(cells))], cells])
    [record] = _read("t.csv", out.getvalue().encode())
    assert list(record.item.values()) == cells


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=300),
    st.sampled_from(["t.json", "t.jsonl", "t.csv", "t.tsv", "t.txt", "t.parquet", "t.zip"]),
)
def test_random_bytes_only_ever_fail_with_read_error(content: bytes, name: str) -> None:
    with contextlib.suppress(ReadError):
        _read(name, content)


def _zip(entries: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    import stat
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            z.writestr(name, content)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
    return buf.getvalue()


def test_zip_entries_are_read_by_type_with_their_path() -> None:
    content = _zip({"b/more.jsonl": b'{"text": "j"}\n', "a.csv": CSV, "__MACOSX/._a.csv": b"junk", "d/": b""})
    records = _read("batch.zip", content)
    assert [(r.where, r.item) for r in records] == [
        ("batch.zip/a.csv: line 2", {"text": "x"}),
        ("batch.zip/b/more.jsonl: line 1", {"text": "j"}),
    ]


@pytest.mark.parametrize(
    ("entries", "symlink", "message"),
    [
        ({"../evil.csv": b"text\nx\n"}, None, "must stay inside the archive"),
        ({"/abs.csv": b"text\nx\n"}, None, "must stay inside the archive"),
        ({"ok.csv": b"text\nx\n"}, "link.csv", "symbolic links"),
        ({"bomb.csv": b"text\n" + b"a" * 5_000_000}, None, "zip bomb"),
        ({}, None, "holds no files"),
    ],
)
def test_hostile_archives_are_refused(entries: dict[str, bytes], symlink: str | None, message: str) -> None:
    with pytest.raises(ReadError, match=message):
        _read("up.zip", _zip(entries, symlink=symlink))


def test_the_unpacked_size_limit_is_enforced() -> None:
    limits = readers.Limits(max_ratio=1000, max_unzipped_bytes=100_000)
    content = _zip({"big.csv": b"text\n" + b"a\n" * 200_000})
    with pytest.raises(ReadError, match="more than"):
        list(readers.read("up.zip", io.BytesIO(content), "text", limits=limits))


def test_parquet_rows_with_nested_annotations() -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "text": ["a", "b"],
            "score": [1, 2],
            "annotations": ['[{"result": []}]', None],
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=1)
    records = _read("t.parquet", buf.getvalue())
    assert [r.item for r in records] == [
        {"data": {"text": "a", "score": 1}, "annotations": [{"result": []}]},
        {"text": "b", "score": 2},
    ]
    assert records[1].where == "t.parquet: row 2"
    with pytest.raises(ReadError, match="not a Parquet file"):
        _read("t.parquet", b"PAR1 but not really")


CSV = b"text\nx\n"
