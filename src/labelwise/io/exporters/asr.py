"""ASR manifest (NeMo's JSON Lines): one line per transcribed segment, or per file.

A segment is a region on the Audio object (start and end in seconds) whose per-region TextArea
holds the transcription; without segments, the file's TextArea is the whole transcription.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.selection import ExportOptions, annotations_of


def _source(schema: labeling.Schema) -> tuple[str, str, set[str]] | None:
    """(audio object name, its data key, TextArea control names on it)."""
    for obj in schema.objects.values():
        if obj.type != "audio" or not obj.value_key:
            continue
        areas = {c.name for c in schema.controls.values() if c.type == "textarea" and obj.name in c.to_name}
        if areas:
            return obj.name, obj.value_key, areas
    return None


def unavailable(schema: labeling.Schema) -> str | None:
    return None if _source(schema) else "needs an Audio object with a TextArea for the transcription"


def write_asr(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    source = _source(schema)
    assert source is not None
    _, key, areas = source
    for task in tasks:
        audio = (task.get("data") or {}).get(key)
        for annotation in annotations_of(task, options):
            result = annotation.get("result") or []
            segments = {
                r.get("id"): r
                for r in result
                if "start" in (r.get("value") or {}) and r.get("type") != "textarea"
            }
            lines: list[dict[str, Any]] = []
            for r in result:
                value = r.get("value") or {}
                if r.get("from_name") not in areas or not value.get("text"):
                    continue
                text = " ".join(str(t) for t in value["text"])
                segment = segments.get(r.get("id"))
                bounds = segment.get("value") if segment else value if "start" in value else None
                if bounds and "start" in bounds and "end" in bounds:
                    start, end = float(bounds["start"]), float(bounds["end"])
                    line: dict[str, Any] = {
                        "audio_filepath": audio,
                        "offset": start,
                        "duration": round(end - start, 6),
                        "text": text,
                    }
                    labels = (segment or {}).get("value", {}).get("labels")
                    if labels:
                        line["label"] = labels[0]
                    lines.append(line)
                else:
                    lines.append({"audio_filepath": audio, "text": text})
            lines.sort(key=lambda x: x.get("offset", 0.0))
            if lines:
                yield b"".join(dumps(x) + b"\n" for x in lines)
