"""Which annotations an export takes: all, ground truth or the latest; skipped ones never; predictions on request."""

from __future__ import annotations

import orjson
import pytest

from labelwise.io.exporters.selection import ExportOptions, annotations_of, primary, sources

from .support import CLASSIFY, annotation, choice, export, task


def _task() -> dict[str, object]:
    return task(
        {"review": "r"},
        annotation([choice("sentiment", "pos")], id=1, updated_at="2024-05-01T10:00:00Z"),
        annotation([choice("sentiment", "neg")], id=2, updated_at="2024-05-03T10:00:00Z", ground_truth=True),
        annotation([choice("sentiment", "pos")], id=3, updated_at="2024-05-02T10:00:00Z"),
        annotation([], id=4, updated_at="2024-06-01T10:00:00Z", was_cancelled=True),
        predictions=[
            {"id": 8, "result": [choice("sentiment", "neg")], "score": 0.4, "model_version": "v1"},
            {"id": 9, "result": [choice("sentiment", "pos")], "score": 0.9, "model_version": "v2"},
        ],
    )


def _ids(mode: str, predictions: bool = False) -> list[tuple[str, object]]:
    options = ExportOptions(annotations=mode, include_predictions=predictions)  # type: ignore[arg-type]
    return [(s.kind, s.item["id"]) for s in sources(_task(), options)]


def test_all_keeps_every_submitted_annotation_in_order_and_drops_skipped_ones() -> None:
    assert _ids("all") == [("annotation", 1), ("annotation", 2), ("annotation", 3)]


def test_ground_truth_keeps_only_ground_truth_and_falls_back_to_nothing() -> None:
    assert _ids("ground_truth") == [("annotation", 2)]
    plain = task({"review": "r"}, annotation([choice("sentiment", "pos")]))
    assert annotations_of(plain, ExportOptions(annotations="ground_truth")) == []


def test_latest_is_the_most_recently_updated_submitted_annotation() -> None:
    assert _ids("latest") == [("annotation", 2)]  # id 4 is newer but was skipped
    only_skipped = task({"review": "r"}, annotation([], was_cancelled=True))
    assert annotations_of(only_skipped, ExportOptions(annotations="latest")) == []


def test_predictions_come_after_annotations_when_asked() -> None:
    assert _ids("latest", predictions=True) == [("annotation", 2), ("prediction", 8), ("prediction", 9)]


def test_primary_prefers_ground_truth_then_latest_then_the_best_prediction() -> None:
    options = ExportOptions(include_predictions=True)
    chosen = primary(_task(), options)
    assert chosen is not None and chosen.item["id"] == 2
    unreviewed = task(
        {}, annotation([], id=5, updated_at="2024-01-01"), annotation([], id=6, updated_at="2024-02-01")
    )
    assert (p := primary(unreviewed, options)) is not None and p.item["id"] == 6
    only_predictions = {**_task(), "annotations": []}
    assert (p := primary(only_predictions, options)) is not None and (p.kind, p.item["id"]) == (
        "prediction",
        9,
    )
    assert primary(only_predictions, ExportOptions()) is None


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="ground_truth"):
        ExportOptions(annotations="best")  # type: ignore[arg-type]


def test_modes_reach_the_rows_of_an_export() -> None:
    rows = orjson.loads(export("JSON_MIN", [_task()], CLASSIFY, annotations="ground_truth"))
    assert [(r["annotation_id"], r["sentiment"]) for r in rows] == [(2, "neg")]
    rows = orjson.loads(export("JSON_MIN", [_task()], CLASSIFY, include_predictions=True))
    assert [(r["origin"], r["annotation_id"], r["prediction_id"]) for r in rows] == [
        ("annotation", 1, None), ("annotation", 2, None), ("annotation", 3, None),
        ("prediction", None, 8), ("prediction", None, 9),
    ]  # fmt: skip
    assert rows[-1]["model_version"] == "v2" and rows[-1]["score"] == 0.9 and rows[-1]["annotator"] is None
