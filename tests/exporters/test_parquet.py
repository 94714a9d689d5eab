"""Parquet and the Hugging Face folder read back with pyarrow: rows, types, row groups."""

from __future__ import annotations

import io

import orjson
import pyarrow.parquet as pq
import pytest

from labelwise.io.exporters import hf_parquet, parquet

from .support import CLASSIFY, NER, annotation, choice, export, read_parquet, span, task, unzip

TEXT = "Ada Lovelace visited London"


def _tasks() -> list[dict[str, object]]:
    return [
        task(
            {"text": TEXT, "n": 7}, annotation([span(TEXT, 0, 12, "PER"), span(TEXT, 21, 27, "LOC")], id=41)
        ),
        task({"text": "nothing here", "n": "seven"}),
    ]


def test_rows_round_trip_with_typed_ids_and_text_elsewhere() -> None:
    tasks = _tasks()
    rows = read_parquet(export("PARQUET", tasks, NER))
    assert [r["id"] for r in rows] == [tasks[0]["id"], tasks[1]["id"]]
    assert rows[0]["text"] == TEXT and rows[0]["annotation_id"] == 41 and rows[0]["lead_time"] == 2.5
    assert [s["labels"] for s in orjson.loads(rows[0]["label"])] == [["PER"], ["LOC"]]
    assert rows[1]["label"] is None and rows[1]["annotation_id"] is None
    # A data key with a number in one task and a string in the next still fits one column.
    assert [r["n"] for r in rows] == ["7", "seven"]
    schema = pq.read_schema(io.BytesIO(export("PARQUET", _tasks(), NER)))
    assert str(schema.field("id").type) == "int64" and str(schema.field("text").type) == "string"
    assert str(schema.field("lead_time").type) == "double"


def test_predictions_add_their_columns() -> None:
    t = task({"review": "x"}, annotation([choice("sentiment", "pos")]),
             predictions=[{"id": 5, "result": [choice("sentiment", "neg")], "score": 0.7, "model_version": "m"}])  # fmt: skip
    rows = read_parquet(export("PARQUET", [t], CLASSIFY, include_predictions=True))
    assert [(r["origin"], r["sentiment"], r["prediction_id"], r["score"]) for r in rows] == [
        ("annotation", "pos", None, None), ("prediction", "neg", 5, 0.7),
    ]  # fmt: skip


def test_row_groups_bound_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet, "GROUP_ROWS", 10)
    tasks = [task({"review": f"r{i}"}) for i in range(35)]
    data = export("PARQUET", tasks, CLASSIFY)
    meta = pq.ParquetFile(io.BytesIO(data)).metadata
    assert meta.num_row_groups == 4 and meta.num_rows == 35
    assert [r["review"] for r in read_parquet(data)] == [f"r{i}" for i in range(35)]


def test_hugging_face_folder_is_a_zip_of_a_parquet_shard_and_a_readme() -> None:
    files = unzip(export("HF_PARQUET", _tasks(), NER))
    assert set(files) == {hf_parquet.SHARD, "README.md"}
    assert hf_parquet.SHARD == "data/train-00000-of-00001.parquet"
    assert b"load_dataset" in files["README.md"]
    rows = read_parquet(files[hf_parquet.SHARD])
    assert len(rows) == 2 and rows[0]["text"] == TEXT
