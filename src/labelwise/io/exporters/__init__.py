"""Exporters: one module per output format; this registry says which formats a config allows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from labelwise import labeling
from labelwise.io.exporters import asr, coco, hf_parquet, spans, voc, yolo
from labelwise.io.exporters.delimited import write_csv, write_tsv
from labelwise.io.exporters.json_min import write_json_min, write_jsonl
from labelwise.io.exporters.parquet import write_parquet
from labelwise.io.exporters.selection import ExportOptions

Writer = Callable[[Iterable[dict[str, Any]], labeling.Schema, ExportOptions], Iterator[bytes]]


def _always(schema: labeling.Schema) -> str | None:
    return None


@dataclass(frozen=True)
class Format:
    name: str
    title: str
    media_type: str
    extension: str
    write: Writer
    unavailable: Callable[[labeling.Schema], str | None] = _always


# fmt: off
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("JSON_MIN", "JSON-MIN (one flat record per annotation)", "application/json", "json", write_json_min),
        Format("JSONL", "JSON Lines (one task per line)", "application/x-ndjson", "jsonl", write_jsonl),
        Format("CSV", "CSV", "text/csv", "csv", write_csv),
        Format("TSV", "TSV", "text/tab-separated-values", "tsv", write_tsv),
        Format("PARQUET", "Parquet", "application/vnd.apache.parquet", "parquet", write_parquet),
        Format("CONLL2003", "CoNLL 2003 (named entities)", "text/plain", "conll", spans.write_conll,
               spans.unavailable),
        Format("SPACY", "spaCy-style JSONL (text and entities)", "application/x-ndjson", "jsonl",
               spans.write_spacy, spans.unavailable),
        Format("COCO", "COCO (boxes and polygons)", "application/zip", "zip", coco.write_coco, coco.unavailable),
        Format("VOC", "Pascal VOC XML (boxes)", "application/zip", "zip", voc.write_voc, voc.unavailable),
        Format("YOLO", "YOLO (boxes)", "application/zip", "zip", yolo.write_yolo, yolo.unavailable),
        Format("ASR_MANIFEST", "ASR manifest (NeMo JSON Lines)", "application/x-ndjson", "jsonl", asr.write_asr,
               asr.unavailable),
        Format("HF_PARQUET", "Hugging Face datasets folder (Parquet, zipped)", "application/zip", "zip",
               hf_parquet.write_hf),
    )
}
# fmt: on


def get(name: str) -> Format:
    return FORMATS[name.upper()]


def available(schema: labeling.Schema) -> list[tuple[Format, str | None]]:
    return [(f, f.unavailable(schema)) for f in FORMATS.values()]
