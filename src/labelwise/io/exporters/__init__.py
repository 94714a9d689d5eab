"""Exporters: one module per output format, and this registry of what each format is and whether
a project's labeling config can use it.

`available` answers for every format, with the reason when one does not apply, so the API can
show a format as "not offered, because ..." instead of hiding it. Writers take the tasks as an
iterable they read once, the parsed config and the export options, and yield the file in chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from labelwise import labeling
from labelwise.io.exporters import asr, coco, conll, spacy, voc, yolo
from labelwise.io.exporters.delimited import write_csv, write_tsv
from labelwise.io.exporters.hf_parquet import write_hf
from labelwise.io.exporters.json_min import write_json_min
from labelwise.io.exporters.jsonl import write_jsonl
from labelwise.io.exporters.parquet import write_parquet
from labelwise.io.exporters.selection import ExportOptions

__all__ = ["FORMATS", "ExportOptions", "Format", "UnknownFormat", "Writer", "available", "get"]

Writer = Callable[[Iterable[dict[str, Any]], labeling.Schema, ExportOptions], Iterator[bytes]]


def always(schema: labeling.Schema) -> str | None:
    """Record-shaped formats carry any config's results."""
    return None


@dataclass(frozen=True)
class Format:
    name: str  # as Label Studio spells it in `exportType`
    title: str
    media_type: str
    extension: str
    write: Writer
    unavailable: Callable[[labeling.Schema], str | None] = always


class UnknownFormat(KeyError):
    def __str__(self) -> str:
        return f"unknown export format {self.args[0]!r}; known: {', '.join(FORMATS)}"


ZIP = "application/zip"
NDJSON = "application/x-ndjson"

# fmt: off
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("JSON_MIN", "JSON-MIN (one flat record per annotation)", "application/json", "json", write_json_min),
        Format("JSONL", "JSON Lines (one task per line)", NDJSON, "jsonl", write_jsonl),
        Format("CSV", "CSV", "text/csv", "csv", write_csv),
        Format("TSV", "TSV", "text/tab-separated-values", "tsv", write_tsv),
        Format("PARQUET", "Parquet", "application/vnd.apache.parquet", "parquet", write_parquet),
        Format("CONLL2003", "CoNLL 2003 (named entities)", "text/plain", "conll", conll.write_conll,
               conll.unavailable),
        Format("SPACY", "spaCy-style JSONL (text and entities)", NDJSON, "jsonl", spacy.write_spacy,
               spacy.unavailable),
        Format("COCO", "COCO (boxes and polygons)", ZIP, "zip", coco.write_coco, coco.unavailable),
        Format("VOC", "Pascal VOC XML (boxes)", ZIP, "zip", voc.write_voc, voc.unavailable),
        Format("YOLO", "YOLO (boxes and polygons)", ZIP, "zip", yolo.write_yolo, yolo.unavailable),
        Format("ASR_MANIFEST", "ASR manifest (NeMo JSON Lines)", NDJSON, "jsonl", asr.write_asr, asr.unavailable),
        Format("HF_PARQUET", "Hugging Face datasets folder (Parquet, zipped)", ZIP, "zip", write_hf),
    )
}
# fmt: on


def get(name: str) -> Format:
    """The format named as LS names it, in any letter case; `UnknownFormat` (a KeyError) otherwise."""
    try:
        return FORMATS[name.upper()]
    except (KeyError, AttributeError):
        raise UnknownFormat(name) from None


def available(schema: labeling.Schema) -> list[tuple[Format, str | None]]:
    """Every format with None when this config can use it, or the reason it cannot."""
    return [(f, f.unavailable(schema)) for f in FORMATS.values()]
