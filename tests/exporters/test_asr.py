"""ASR manifest: NeMo lines per segment (offset, duration) or per recording."""

from __future__ import annotations

from typing import Any

import orjson

from labelwise import labeling

from .support import AUDIO, annotation, export, task

WAV = "/data/upload/3/talk.wav"


def _segment(rid: str, start: float, end: float, speaker: str, text: str | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"id": rid, "from_name": "speaker", "to_name": "audio", "type": "labels",
                                  "original_length": 12.5,
                                  "value": {"start": start, "end": end, "channel": 0, "labels": [speaker]}}]  # fmt: skip
    if text is not None:
        out.append({"id": rid, "from_name": "transcript", "to_name": "audio", "type": "textarea",
                    "value": {"start": start, "end": end, "channel": 0, "text": [text]}})  # fmt: skip
    return out


def _whole(text: Any) -> dict[str, Any]:
    return {
        "id": "w",
        "from_name": "summary",
        "to_name": "audio",
        "type": "textarea",
        "value": {"text": text},
    }


def _lines(tasks: list[dict[str, Any]], **options: Any) -> list[dict[str, Any]]:
    return [orjson.loads(x) for x in export("ASR_MANIFEST", tasks, AUDIO, **options).splitlines()]


def test_segments_give_one_line_each_in_time_order() -> None:
    result = [*_segment("s2", 4.0, 7.25, "B", "fine thanks"), *_segment("s1", 1.5, 4.0, "A", "hello there"),
              *_segment("s3", 8.0, 9.0, "A", None)]  # fmt: skip
    labeling.validate_result(AUDIO, {"audio": WAV}, result)
    assert _lines([task({"audio": WAV}, annotation(result, completed_by=4))]) == [
        {
            "audio_filepath": WAV,
            "offset": 1.5,
            "duration": 2.5,
            "text": "hello there",
            "label": "A",
            "annotator": 4,
        },
        {
            "audio_filepath": WAV,
            "offset": 4.0,
            "duration": 3.25,
            "text": "fine thanks",
            "label": "B",
            "annotator": 4,
        },
    ]  # a segment nobody transcribed is not a training example


def test_a_whole_recording_transcription_is_one_line_with_the_editor_length() -> None:
    result = [_whole(["all of it", "second try"]), *_segment("s1", 0.0, 1.0, "A", None)]
    labeling.validate_result(AUDIO, {"audio": WAV}, result)
    assert _lines([task({"audio": WAV}, annotation(result, completed_by=2))]) == [
        {"audio_filepath": WAV, "duration": 12.5, "text": "all of it", "annotator": 2}
    ]
    # Without any audio region the length is unknown: NeMo's key is there, null.
    [line] = _lines([task({"audio": WAV}, annotation([_whole("just a string")]))])
    assert line["duration"] is None and line["text"] == "just a string"


def test_a_per_region_text_with_its_own_bounds_is_a_segment() -> None:
    alone = {"id": "t", "from_name": "transcript", "to_name": "audio", "type": "textarea",
             "value": {"start": 2.0, "end": 2.5, "text": ["hm"]}}  # fmt: skip
    [line] = _lines([task({"audio": WAV}, annotation([alone]))])
    assert (line["offset"], line["duration"], line["text"]) == (2.0, 0.5, "hm") and "label" not in line


def test_selection_and_predictions_apply() -> None:
    t = task({"audio": WAV}, annotation([_whole(["old"])], updated_at="2024-01-01T00:00:00Z"),
             annotation([_whole(["new"])], updated_at="2024-02-01T00:00:00Z"),
             annotation([_whole(["skipped"])], was_cancelled=True),
             predictions=[{"id": 3, "result": [_whole(["model"])], "score": 0.3}])  # fmt: skip
    assert [x["text"] for x in _lines([t])] == ["old", "new"]
    assert [x["text"] for x in _lines([t], annotations="latest")] == ["new"]
    assert [(x["text"], x["annotator"]) for x in _lines([t], annotations="latest", include_predictions=True)] == [
        ("new", 1), ("model", None),
    ]  # fmt: skip
    assert _lines([task({"audio": WAV})]) == []
