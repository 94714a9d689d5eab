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


BOXES = labeling.parse_config(
    '<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img">'
    '<Label value="cat"/><Label value="a &lt;dog&gt;"/></RectangleLabels></View>'
)


def _box(x: float, y: float, w: float, h: float, label: str) -> dict[str, Any]:
    return {
        "from_name": "box", "to_name": "img", "type": "rectanglelabels",
        "original_width": 400, "original_height": 200,
        "value": {"x": x, "y": y, "width": w, "height": h, "rotation": 0, "rectanglelabels": [label]},
    }  # fmt: skip


IMAGE_TASKS = [
    {
        "id": 10,
        "data": {"image": "https://example.com/img/photo%201.jpg?sig=abc"},
        "annotations": [{"id": 1, "result": [_box(25, 50, 50, 25, "cat"), _box(0, 0, 10, 10, "a <dog>")]}],
    },
    {"id": 11, "data": {"image": "/data/upload/../../etc/passwd"}, "annotations": [{"id": 2, "result": []}]},
]


def _zip(name: str) -> dict[str, bytes]:
    import zipfile

    data = b"".join(exporters.get(name).write(iter(IMAGE_TASKS), BOXES, ExportOptions()))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_coco_boxes_in_pixels_with_categories() -> None:
    doc = orjson.loads(_zip("COCO")["result.json"])
    assert [c["name"] for c in doc["categories"]] == ["cat", "a <dog>"]
    first = doc["annotations"][0]
    assert first["bbox"] == [100.0, 100.0, 200.0, 50.0] and first["area"] == 10000.0
    assert doc["images"][0]["file_name"] == "images/photo_1.jpg" and doc["images"][0]["width"] == 400


def test_yolo_lines_are_normalized_centres() -> None:
    files = _zip("YOLO")
    assert files["classes.txt"].decode().splitlines() == ["cat", "a <dog>"]
    lines = files["labels/photo_1.txt"].decode().splitlines()
    assert lines[0] == "0 0.500000 0.625000 0.500000 0.250000"
    assert lines[1] == "1 0.050000 0.050000 0.100000 0.100000"


def test_voc_xml_escapes_labels_and_keeps_entries_inside_the_archive() -> None:
    import xml.etree.ElementTree as ET

    files = _zip("VOC")
    assert all(not n.startswith("/") and ".." not in n.split("/") for n in files)
    assert set(files) == {"Annotations/photo_1.xml", "Annotations/passwd.xml"}
    root = ET.fromstring(files["Annotations/photo_1.xml"])
    names = [o.findtext("name") for o in root.iter("object")]
    assert names == ["cat", "a <dog>"]
    box = root.find("object/bndbox")
    assert box is not None and [box.findtext(t) for t in ("xmin", "ymin", "xmax", "ymax")] == [
        "100",
        "100",
        "300",
        "150",
    ]


def test_image_formats_need_boxes() -> None:
    reasons = {f.name: r for f, r in exporters.available(NER)}
    assert reasons["COCO"] and reasons["YOLO"] and reasons["VOC"]
    assert {f.name: r for f, r in exporters.available(BOXES)}["YOLO"] is None


AUDIO = labeling.parse_config(
    '<View><Audio name="audio" value="$audio"/><Labels name="speaker" toName="audio"><Label value="A"/></Labels>'
    '<TextArea name="transcript" toName="audio" perRegion="true"/></View>'
)


def test_asr_manifest_has_one_line_per_segment_in_time_order() -> None:
    seg = {"id": "s1", "from_name": "speaker", "to_name": "audio", "type": "labels",
           "value": {"start": 1.5, "end": 4.0, "labels": ["A"]}}  # fmt: skip
    text = {"id": "s1", "from_name": "transcript", "to_name": "audio", "type": "textarea",
            "value": {"start": 1.5, "end": 4.0, "text": ["hello there"]}}  # fmt: skip
    early = {"id": "s0", "from_name": "transcript", "to_name": "audio", "type": "textarea",
             "value": {"start": 0.0, "end": 1.0, "text": ["hi"]}}  # fmt: skip
    tasks = [
        {"id": 1, "data": {"audio": "/data/upload/a.wav"}, "annotations": [{"result": [seg, text, early]}]}
    ]
    lines = [
        orjson.loads(x)
        for x in b"".join(
            exporters.get("ASR_MANIFEST").write(iter(tasks), AUDIO, ExportOptions())
        ).splitlines()
    ]
    assert lines == [
        {"audio_filepath": "/data/upload/a.wav", "offset": 0.0, "duration": 1.0, "text": "hi"},
        {
            "audio_filepath": "/data/upload/a.wav",
            "offset": 1.5,
            "duration": 2.5,
            "text": "hello there",
            "label": "A",
        },
    ]
    assert {f.name: r for f, r in exporters.available(NER)}["ASR_MANIFEST"]


def test_hugging_face_folder_holds_a_readable_parquet_file() -> None:
    import zipfile

    data = b"".join(exporters.get("HF_PARQUET").write(iter(TASKS), NER, ExportOptions()))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert set(z.namelist()) == {"data/train-00000-of-00001.parquet", "README.md"}
        table = pq.read_table(io.BytesIO(z.read("data/train-00000-of-00001.parquet")))
    assert table.num_rows == 2 and table.column("text").to_pylist()[0] == TEXT
