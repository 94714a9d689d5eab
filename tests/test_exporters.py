"""Exporters read back: Parquet, CONLL 2003, spaCy JSONL, and which formats a config allows."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pyarrow.parquet as pq

from labelwise import labeling
from labelwise.io import exporters
from labelwise.io.exporters.selection import ExportOptions

NER = labeling.parse_config(
    '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="LOC"/></Labels>'
    '<Text name="text" value="$text"/></View>'
)
TEXT = "Ada Lovelace visited London today"


def _span(start: int, end: int, label: str) -> dict[str, Any]:
    return {
        "from_name": "label", "to_name": "text", "type": "labels",
        "value": {"start": start, "end": end, "text": TEXT[start:end], "labels": [label]},
    }  # fmt: skip


TASKS = [
    {
        "id": 1,
        "data": {"text": TEXT},
        "annotations": [{"id": 7, "result": [_span(0, 12, "PER"), _span(21, 27, "LOC")], "completed_by": 1}],
    },
    {"id": 2, "data": {"text": "nothing here"}, "annotations": []},
]


def _bytes(name: str, schema: labeling.Schema = NER) -> bytes:
    return b"".join(exporters.get(name).write(iter(TASKS), schema, ExportOptions()))


def test_conll_tags_tokens_with_iob() -> None:
    lines = _bytes("CONLL2003").decode().splitlines()
    assert lines[0] == "-DOCSTART- -X- O O"
    tagged = [line.split()[0] + " " + line.split()[-1] for line in lines[2:] if line]
    assert tagged == ["Ada B-PER", "Lovelace I-PER", "visited O", "London B-LOC", "today O"]


def test_spacy_lines_carry_character_offsets() -> None:
    [doc] = [orjson.loads(line) for line in _bytes("SPACY").splitlines()]
    assert doc == {"text": TEXT, "entities": [[0, 12, "PER"], [21, 27, "LOC"]]}
    assert [TEXT[s:e] for s, e, _ in doc["entities"]] == ["Ada Lovelace", "London"]


def test_parquet_reads_back_with_one_row_per_annotation_and_unlabelled_tasks() -> None:
    table = pq.read_table(io.BytesIO(_bytes("PARQUET")))
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == ["1", "2"] and rows[0]["text"] == TEXT
    assert orjson.loads(rows[0]["label"])[0]["labels"] == ["PER"] and rows[1]["label"] is None


def test_span_formats_are_not_offered_without_spans() -> None:
    choices = labeling.parse_config(
        '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>'
    )
    reasons = {f.name: reason for f, reason in exporters.available(choices)}
    assert reasons["CONLL2003"] and "Labels" in reasons["CONLL2003"] and reasons["CSV"] is None
    assert {f.name: r for f, r in exporters.available(NER)}["CONLL2003"] is None
