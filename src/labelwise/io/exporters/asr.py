"""ASR manifest (NeMo's JSON Lines): `{"audio_filepath", "duration", "text"}` per recording, or one
line per transcribed segment with its `offset` and `duration` in seconds.

A segment is a region on the Audio object (Labels with start and end) whose per-region TextArea
shares its id; a per-region TextArea drawn on its own carries start and end itself. A TextArea that
is not tied to a region transcribes the whole recording; its duration is the `original_length` the
editor writes into audio results, or null when no result has it (the audio is never opened).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from labelwise import labeling
from labelwise.io.encoding import dumps
from labelwise.io.exporters.json_min import annotator
from labelwise.io.exporters.selection import ANNOTATION, ExportOptions, Source, sources


@dataclass(frozen=True)
class AudioSource:
    key: str  # the Audio object's data key
    areas: frozenset[str]  # TextArea controls on it


def audio_source(schema: labeling.Schema) -> AudioSource | None:
    for obj in schema.objects.values():
        if obj.type not in ("audio", "audioplus") or not obj.value_key:
            continue
        areas = frozenset(
            c.name for c in schema.controls.values() if c.type == "textarea" and obj.name in c.to_name
        )
        if areas:
            return AudioSource(obj.value_key, areas)
    return None


def unavailable(schema: labeling.Schema) -> str | None:
    return None if audio_source(schema) else "needs an Audio object with a TextArea for the transcription"


def _number(raw: Any) -> float | None:
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


def _texts(value: dict[str, Any]) -> list[str]:
    text = value.get("text")
    if isinstance(text, str):
        return [text]
    return [str(t) for t in text] if isinstance(text, list) else []


def lines(audio: Any, chosen: Source, src: AudioSource) -> list[dict[str, Any]]:
    """Manifest lines of one annotation, segments in time order after any whole-file line."""
    result = chosen.result
    bounds = {r.get("id"): r.get("value") for r in result if r.get("from_name") not in src.areas}
    length = next((n for r in result if (n := _number(r.get("original_length"))) is not None), None)
    who = annotator(chosen.item.get("completed_by")) if chosen.kind == ANNOTATION else None
    whole: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    for r in result:
        value = r.get("value")
        if r.get("from_name") not in src.areas or not isinstance(value, dict) or not _texts(value):
            continue
        text = _texts(value)[0]  # LS takes the first submission of a TextArea
        region = bounds.get(r.get("id")) if r.get("id") is not None else None
        span = region if isinstance(region, dict) and "start" in region else value
        start, end = _number(span.get("start")), _number(span.get("end"))
        if start is None or end is None:
            whole.append({"audio_filepath": audio, "duration": length, "text": text, "annotator": who})
            continue
        line: dict[str, Any] = {
            "audio_filepath": audio,
            "offset": start,
            "duration": round(end - start, 6),
            "text": text,
        }
        labels = span.get("labels")
        if isinstance(labels, list) and labels:
            line["label"] = str(labels[0])
        line["annotator"] = who
        segments.append(line)
    segments.sort(key=lambda x: x["offset"])
    return whole + segments


def write_asr(
    tasks: Iterable[dict[str, Any]], schema: labeling.Schema, options: ExportOptions
) -> Iterator[bytes]:
    src = audio_source(schema)
    if src is None:
        raise ValueError(unavailable(schema))
    for task in tasks:
        data = task.get("data")
        audio = data.get(src.key) if isinstance(data, dict) else None
        out = [dumps(line) + b"\n" for chosen in sources(task, options) for line in lines(audio, chosen, src)]
        if out:
            yield b"".join(out)
