"""CSV and TSV read back with the csv module: header, quoting, JSON cells, and any text surviving."""

from __future__ import annotations

import csv
import io

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise.io import exporters
from labelwise.io.exporters import delimited
from labelwise.io.exporters.selection import ExportOptions

from .support import CLASSIFY, NER, annotation, choice, export, span, task

DIALECTS = {"CSV": ",", "TSV": "\t"}


def _read(name: str, data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(), newline=""), delimiter=DIALECTS[name]))


def test_header_is_sorted_and_known_from_the_config_and_first_task() -> None:
    t = task({"review": "x", "external_id": "e-1"}, annotation([choice("sentiment", "pos")]))
    for name in DIALECTS:
        header = export(name, [t], CLASSIFY).decode().splitlines()[0].split(DIALECTS[name])
        expected = ["annotation_id", "annotator", "created_at", "external_id", "id", "lead_time", "note",
                    "review", "sentiment", "stars", "topics", "updated_at"]  # fmt: skip
        assert [h.strip('"') for h in header] == expected


def test_rows_round_trip_data_and_labels() -> None:
    text = 'He said "hi",\tthen\nleft; Ünïcödé ✓'
    tasks = [
        task(
            {"review": text},
            annotation([choice("sentiment", "pos"), choice("topics", "a", "b")], id=11),
            annotation([choice("sentiment", "neg")], id=12, completed_by=9),
        ),
        task({"review": "plain"}),
    ]
    for name in DIALECTS:
        rows = _read(name, export(name, tasks, CLASSIFY))
        assert [(r["review"], r["sentiment"], r["annotation_id"]) for r in rows] == [
            (text, "pos", "11"), (text, "neg", "12"), ("plain", "", ""),
        ]  # fmt: skip
        assert orjson.loads(rows[0]["topics"]) == {"choices": ["a", "b"]}
        assert rows[1]["annotator"] == "9" and rows[0]["lead_time"] == "2.5"
        assert rows[0]["id"] == str(tasks[0]["id"])


def test_spans_are_json_in_their_cell() -> None:
    text = "Ada met Bob"
    t = task({"text": text}, annotation([span(text, 0, 3, "PER"), span(text, 8, 11, "PER")]))
    [row] = _read("CSV", export("CSV", [t], NER))
    assert [(s["start"], s["end"], s["text"]) for s in orjson.loads(row["label"])] == [
        (0, 3, "Ada"),
        (8, 11, "Bob"),
    ]


def test_non_string_data_is_json_and_strings_are_quoted() -> None:
    t = task({"review": "x", "meta": {"k": [1, 2]}, "flag": True, "n": 3})
    raw = export("CSV", [t], CLASSIFY).decode()
    [row] = _read("CSV", raw.encode())
    assert orjson.loads(row["meta"]) == {"k": [1, 2]} and row["n"] == "3"
    assert '"x"' in raw.splitlines()[1]  # every non-numeric cell quoted, as Label Studio writes


def test_big_exports_come_in_several_chunks() -> None:
    tasks = [task({"review": f"r{i}"}) for i in range(delimited.BATCH * 2 + 5)]
    chunks = list(exporters.get("CSV").write(iter(tasks), CLASSIFY, ExportOptions()))
    assert len(chunks) >= 3
    assert len(_read("CSV", b"".join(chunks))) == len(tasks)


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(review=texts, note=texts, extra=texts)
def test_any_text_survives_the_round_trip(review: str, note: str, extra: str) -> None:
    area = {
        "id": "n",
        "from_name": "note",
        "to_name": "review",
        "type": "textarea",
        "value": {"text": [note]},
    }
    t = task({"review": review, "extra": extra}, annotation([area]))
    for name in DIALECTS:
        [row] = _read(name, export(name, [t], CLASSIFY))
        assert (row["review"], row["note"], row["extra"]) == (review, note, extra)
