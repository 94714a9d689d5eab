"""Parquet: record batches become rows with JSON values; Label Studio parts from JSON or nested columns."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelwise.io.readers import ReadError
from tests.readers.streams import Trickle, items, records


def _parquet(table: pa.Table, **options: object) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, **options)
    return buf.getvalue()


def test_flat_columns_round_trip_across_row_groups() -> None:
    rows = [{"text": f"t{i}", "n": i, "x": i / 2, "ok": i % 2 == 0, "none": None} for i in range(12_000)]
    got = records("t.parquet", _parquet(pa.Table.from_pylist(rows), row_group_size=5_000))
    assert [r.item for r in got] == rows
    assert got[0].where == "t.parquet: row 1" and got[-1].where == "t.parquet: row 12000"


def test_nested_and_typed_values_become_json_values() -> None:
    table = pa.table(
        {
            "text": ["a"],
            "tags": pa.array([["x", "y"]]),
            "box": pa.array([{"x": 1.5, "label": "cat"}]),
            "attrs": pa.array([[("k", 1)]], type=pa.map_(pa.string(), pa.int64())),
            "at": pa.array([dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)]),
            "day": pa.array([dt.date(2024, 5, 1)]),
            "price": pa.array([decimal.Decimal("12.50")]),
            "count": pa.array([decimal.Decimal("3")], type=pa.decimal128(10, 0)),
            "raw": pa.array([b"bytes as text"]),
        }
    )
    [item] = items("t.parquet", _parquet(table))
    assert item == {
        "text": "a",
        "tags": ["x", "y"],
        "box": {"x": 1.5, "label": "cat"},
        "attrs": {"k": 1},
        "at": "2024-05-01T12:30:00+00:00",
        "day": "2024-05-01",
        "price": 12.5,
        "count": 3,
        "raw": "bytes as text",
    }


def test_annotations_as_json_text_or_nested_lists() -> None:
    table = pa.table(
        {
            "text": ["a", "b", "c"],
            "annotations": ['[{"result": []}]', None, ""],
            "predictions": pa.array([None, [{"model_version": "v1", "score": 0.5}], None]),
        }
    )
    assert items("t.parquet", _parquet(table)) == [
        {"data": {"text": "a"}, "annotations": [{"result": []}]},
        {"data": {"text": "b"}, "predictions": [{"model_version": "v1", "score": 0.5}]},
        {"text": "c"},
    ]


def test_a_non_seekable_stream_and_a_zip_entry_are_read_too() -> None:
    content = _parquet(pa.table({"text": ["a", "b"]}))
    assert items("t.parquet", Trickle(content, 4096)) == [{"text": "a"}, {"text": "b"}]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("part.parquet", content)
    got = records("batch.zip", buf.getvalue())
    assert [(r.where, r.item) for r in got] == [
        ("batch.zip/part.parquet: row 1", {"text": "a"}),
        ("batch.zip/part.parquet: row 2", {"text": "b"}),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "t.parquet: the file is empty"),
        (b"PAR1 but not really a parquet file at all", "t.parquet: not a Parquet file"),
        (b"text\na\n", "t.parquet: not a Parquet file"),
        (_parquet(pa.table({"text": pa.array([], pa.string())})), "t.parquet: the file has no rows"),
        (_parquet(pa.table({"text": ["ok", "bad\x00"]})), "t.parquet: row 2: column text: NUL characters"),
        (_parquet(pa.table({"t": [["ok"], ["bad\x00"]]})), "t.parquet: row 2: column t: NUL characters"),
        (
            _parquet(pa.table({"raw": [b"\xff\xfe"]})),
            "t.parquet: row 1: column raw: binary values must be UTF-8",
        ),
        (
            _parquet(pa.table({"text": ["a"], "annotations": ["[{oops"]})),
            "t.parquet: row 1: column annotations: malformed JSON",
        ),
        (
            _parquet(pa.table([pa.array([1]), pa.array([2])], names=["n", "n"])),
            "t.parquet: column 'n' appears twice",
        ),
    ],
)
def test_bad_parquet_names_the_file_and_row(content: bytes, message: str) -> None:
    with pytest.raises(ReadError) as err:
        items("t.parquet", content)
    assert message in err.value.detail


def test_row_limit_is_checked_from_the_footer() -> None:
    with pytest.raises(ReadError, match=r"t.parquet: more than 2 tasks"):
        items("t.parquet", _parquet(pa.table({"n": [1, 2, 3]})), max_items=2)
