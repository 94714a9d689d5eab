"""The registry: names as LS spells them, lookups, and which formats a config allows and why not."""

from __future__ import annotations

import gc

import pytest

from labelwise import labeling
from labelwise.io import exporters
from labelwise.io.exporters.selection import ExportOptions

from .support import AUDIO, BOXES, CLASSIFY, NER, Once, export, task

ALWAYS = {"JSON_MIN", "JSONL", "CSV", "TSV", "PARQUET", "HF_PARQUET"}


def test_every_format_is_registered_under_its_label_studio_name() -> None:
    assert set(exporters.FORMATS) == ALWAYS | {"CONLL2003", "SPACY", "COCO", "VOC", "YOLO", "ASR_MANIFEST"}
    for name, fmt in exporters.FORMATS.items():
        assert fmt.name == name and fmt.title and "/" in fmt.media_type and fmt.extension.isalnum()
    assert exporters.get("COCO").media_type == "application/zip"
    assert exporters.get("csv") is exporters.FORMATS["CSV"]


def test_unknown_format_is_a_key_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError) as caught:
        exporters.get("XLSX")
    assert isinstance(caught.value, exporters.UnknownFormat)
    assert "XLSX" in str(caught.value) and "JSON_MIN" in str(caught.value)


def _reasons(schema: labeling.Schema) -> dict[str, str | None]:
    offered = exporters.available(schema)
    assert [f.name for f, _ in offered] == list(exporters.FORMATS)
    return {f.name: reason for f, reason in offered}


def test_record_formats_are_always_offered() -> None:
    for schema in (NER, CLASSIFY, BOXES, AUDIO):
        reasons = _reasons(schema)
        assert all(reasons[name] is None for name in ALWAYS)


def test_label_formats_say_what_the_config_lacks() -> None:
    text = _reasons(CLASSIFY)
    assert text["CONLL2003"] and "Labels" in text["CONLL2003"] and "Text" in text["CONLL2003"]
    assert text["SPACY"] == text["CONLL2003"]
    assert text["COCO"] and "Image" in text["COCO"] and "PolygonLabels" in text["COCO"]
    assert text["VOC"] and "RectangleLabels" in text["VOC"] and "PolygonLabels" not in text["VOC"]
    assert text["ASR_MANIFEST"] and "Audio" in text["ASR_MANIFEST"] and "TextArea" in text["ASR_MANIFEST"]
    assert _reasons(NER)["CONLL2003"] is None and _reasons(NER)["SPACY"] is None
    images = _reasons(BOXES)
    assert images["COCO"] is None and images["VOC"] is None and images["YOLO"] is None
    assert images["CONLL2003"] and images["ASR_MANIFEST"]
    assert _reasons(AUDIO)["ASR_MANIFEST"] is None


@pytest.mark.parametrize(
    ("config", "name"),
    [
        # Labels on audio are segments, not text spans.
        ('<View><Audio name="a" value="$a"/><Labels name="l" toName="a"><Label value="x"/></Labels></View>', "CONLL2003"),
        # A text given by URL cannot be tokenized without fetching it.
        ('<View><Text name="t" value="$t" valueType="url"/><Labels name="l" toName="t"><Label value="x"/></Labels></View>', "SPACY"),
        # Polygons alone make COCO and YOLO, not VOC (boxes only).
        ('<View><Image name="i" value="$i"/><PolygonLabels name="p" toName="i"><Label value="x"/></PolygonLabels></View>', "VOC"),
        # A TextArea on the text does not transcribe the audio.
        ('<View><Audio name="a" value="$a"/><Text name="t" value="$t"/><TextArea name="n" toName="t"/></View>', "ASR_MANIFEST"),
    ],
)  # fmt: skip
def test_near_misses_are_not_offered(config: str, name: str) -> None:
    assert _reasons(labeling.parse_config(config))[name]


def test_polygons_alone_allow_coco_and_yolo() -> None:
    schema = labeling.parse_config(
        '<View><Image name="i" value="$i"/><PolygonLabels name="p" toName="i"><Label value="x"/></PolygonLabels></View>'
    )
    reasons = _reasons(schema)
    assert reasons["COCO"] is None and reasons["YOLO"] is None


@pytest.mark.parametrize("template", labeling.TEMPLATES, ids=lambda t: t.id)
def test_every_offered_format_exports_each_templates_sample_task(template: labeling.Template) -> None:
    schema = labeling.parse_config(template.config)
    for fmt, reason in exporters.available(schema):
        assert reason is None or (isinstance(reason, str) and reason), fmt.name
        if reason is None:
            assert isinstance(export(fmt.name, [task(dict(template.sample_task))], schema), bytes)


@pytest.mark.parametrize("name", sorted(exporters.FORMATS))
def test_writers_read_the_tasks_once_and_stream_lazily(name: str) -> None:
    schema = {
        "CONLL2003": NER,
        "SPACY": NER,
        "COCO": BOXES,
        "VOC": BOXES,
        "YOLO": BOXES,
        "ASR_MANIFEST": AUDIO,
    }
    tasks = Once(task({"text": "x", "review": "x", "image": "a.jpg", "audio": "a.wav"}) for _ in range(3))
    chunks = exporters.get(name).write(tasks, schema.get(name, CLASSIFY), ExportOptions())
    assert tasks.taken == 0  # nothing is read before the first chunk is asked for
    assert all(isinstance(c, bytes) for c in chunks) and tasks.taken == 3


def test_an_empty_export_is_still_a_well_formed_file() -> None:
    assert export("JSON_MIN", [], CLASSIFY) == b"[]"
    assert export("CONLL2003", [], NER) == b"-DOCSTART- -X- O\n"
    assert export("SPACY", [], NER) == b"" and export("JSONL", [], NER) == b""


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("name", sorted(exporters.FORMATS))
def test_an_abandoned_download_leaves_nothing_behind(name: str) -> None:
    schema = {
        "CONLL2003": NER,
        "SPACY": NER,
        "COCO": BOXES,
        "VOC": BOXES,
        "YOLO": BOXES,
        "ASR_MANIFEST": AUDIO,
    }
    tasks = (task({"text": "x", "review": "x", "image": f"{i}.jpg", "audio": "a.wav"}) for i in range(5000))
    chunks = exporters.get(name).write(tasks, schema.get(name, CLASSIFY), ExportOptions())
    next(chunks, None)
    chunks.close()  # what a server does when the client goes away
    del chunks
    gc.collect()
