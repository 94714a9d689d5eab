"""Whatever bytes arrive under whatever name, a reader either yields records or raises ReadError."""

from __future__ import annotations

import contextlib
import io

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelwise.io.readers import ReadError
from tests.readers.streams import PNG, Trickle, records, zipped

NAMES = ["t.json", "t.jsonl", "t.csv", "t.tsv", "t.txt", "t.parquet", "t.zip", "p.png", "s.mp3", "v.mp4"]


def _read_all(name: str, content: bytes, step: int | None = None) -> None:
    with contextlib.suppress(ReadError):
        for record in records(name, content if step is None else Trickle(content, step)):
            if record.media is not None:
                record.media.open().read()


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(NAMES), st.sampled_from([None, 1, 13]))
def test_random_bytes_only_ever_fail_with_read_error(content: bytes, name: str, step: int | None) -> None:
    _read_all(name, content, step)


def _valid_files() -> dict[str, bytes]:
    table = pa.table({"text": ["a", "b"], "annotations": ['[{"result": []}]', None], "n": [[1, 2], None]})
    parquet = io.BytesIO()
    pq.write_table(table, parquet)
    tasks = [{"text": "a", "x": [1, {"y": "]"}]}, {"data": {"text": "b"}, "annotations": [{"result": []}]}]
    files = {
        "t.json": orjson.dumps(tasks),
        "t.jsonl": b"\n".join(orjson.dumps(t) for t in tasks),
        "t.csv": b'text,annotations\na,"[{""result"": []}]"\n"b, c",\n',
        "t.tsv": b"text\tn\na\t1\n",
        "t.txt": b"one\ntwo\n",
        "t.parquet": parquet.getvalue(),
        "p.png": PNG,
    }
    files["t.zip"] = zipped(
        {
            "a.csv": files["t.csv"],
            "b.json": files["t.json"],
            "i/p.png": PNG,
            "n.zip": zipped({"c.txt": b"x\n"}),
        }
    )
    return files


VALID = _valid_files()


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(VALID)),
    st.lists(
        st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=8
    ),
    st.sampled_from(["flip", "truncate", "insert"]),
)
def test_damaged_valid_files_only_ever_fail_with_read_error(
    name: str, edits: list[tuple[int, int]], how: str
) -> None:
    """Random edits of real files reach deeper than random bytes: into zip entries, Parquet pages
    and the middle of JSON items."""
    content = bytearray(VALID[name])
    for position, value in edits:
        at = position % (len(content) + 1)
        if how == "flip" and at < len(content):
            content[at] = value
        elif how == "truncate":
            del content[at:]
        else:
            content[at:at] = bytes([value])
    _read_all(name, bytes(content))
