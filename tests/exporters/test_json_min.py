"""JSON_MIN records in Label Studio's shapes, and JSONL's whole tasks."""

from __future__ import annotations

import orjson

from labelwise import labeling

from .support import BOXES, CLASSIFY, NER, annotation, box, choice, export, span, task

TEXT = "Ada Lovelace visited London"


def test_a_record_is_data_then_id_then_controls_then_who_and_when() -> None:
    result = [choice("sentiment", "pos"), choice("topics", "a", "b"),
              {"id": "r1", "from_name": "stars", "to_name": "review", "type": "rating", "value": {"rating": 4}},
              {"id": "n1", "from_name": "note", "to_name": "review", "type": "textarea", "value": {"text": ["good"]}}]  # fmt: skip
    t = task({"review": "fine", "source": "web"}, annotation(result, id=70, completed_by=3, lead_time=4.5))
    [row] = orjson.loads(export("JSON_MIN", [t], CLASSIFY))
    assert list(row) == ["review", "source", "id", "sentiment", "topics", "stars", "note",
                         "annotator", "annotation_id", "created_at", "updated_at", "lead_time"]  # fmt: skip
    assert row["id"] == t["id"] and row["review"] == "fine" and row["source"] == "web"
    # Label Studio's simplification: one choice is its string; several stay in the value dict;
    # one text is its string; other controls are the list of their region values.
    assert row["sentiment"] == "pos"
    assert row["topics"] == {"choices": ["a", "b"]}
    assert row["stars"] == [{"rating": 4}]
    assert row["note"] == "good"
    assert (row["annotator"], row["annotation_id"], row["lead_time"]) == (3, 70, 4.5)
    assert row["created_at"] == "2024-05-01T10:00:00Z"


def test_spans_keep_offsets_text_and_labels() -> None:
    t = task({"text": TEXT}, annotation([span(TEXT, 0, 12, "PER"), span(TEXT, 21, 27, "LOC")]))
    [row] = orjson.loads(export("JSON_MIN", [t], NER))
    assert row["label"] == [
        {"start": 0, "end": 12, "text": "Ada Lovelace", "labels": ["PER"]},
        {"start": 21, "end": 27, "text": "London", "labels": ["LOC"]},
    ]


def test_boxes_carry_the_image_size() -> None:
    t = task({"image": "a.jpg"}, annotation([box(10, 20, 30, 40, "cat")]))
    [row] = orjson.loads(export("JSON_MIN", [t], BOXES))
    assert row["box"] == [{"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 0,
                           "rectanglelabels": ["cat"], "original_width": 400, "original_height": 200}]  # fmt: skip


def test_several_texts_and_several_regions_become_lists() -> None:
    two = {
        "id": "n1",
        "from_name": "note",
        "to_name": "review",
        "type": "textarea",
        "value": {"text": ["a", "b"]},
    }
    bare = {"id": "n2", "from_name": "note", "to_name": "review", "type": "textarea", "value": {"text": "c"}}
    [row] = orjson.loads(export("JSON_MIN", [task({"review": "x"}, annotation([two]))], CLASSIFY))
    assert row["note"] == {"text": ["a", "b"]}
    [row] = orjson.loads(export("JSON_MIN", [task({"review": "x"}, annotation([two, bare]))], CLASSIFY))
    assert row["note"] == [{"text": ["a", "b"]}, "c"]


def test_unlabeled_tasks_appear_once_with_empty_labels() -> None:
    rows = orjson.loads(
        export(
            "JSON_MIN",
            [task({"review": "x"}), task({"review": "y"}, annotation([], was_cancelled=True))],
            CLASSIFY,
        )
    )
    assert [r["review"] for r in rows] == ["x", "y"]
    assert all(r["annotator"] is None and r["annotation_id"] is None and "sentiment" not in r for r in rows)


def test_relations_and_unknown_controls_are_left_out() -> None:
    relation = {"from_id": "a", "to_id": "b", "type": "relation", "direction": "right", "labels": []}
    stranger = {
        "id": "z",
        "from_name": "gone",
        "to_name": "review",
        "type": "choices",
        "value": {"choices": ["q"]},
    }
    [row] = orjson.loads(
        export(
            "JSON_MIN",
            [task({"review": "x"}, annotation([relation, stranger, choice("sentiment", "neg")]))],
            CLASSIFY,
        )
    )
    assert "gone" not in row and row["sentiment"] == "neg"


def test_expanded_users_are_written_as_their_email() -> None:
    t = task({"review": "x"}, annotation([], completed_by={"id": 3, "email": "ann@example.com"}))
    assert orjson.loads(export("JSON_MIN", [t], CLASSIFY))[0]["annotator"] == "ann@example.com"


def test_hostile_data_is_just_data() -> None:
    data = {"review": '</xml>"]}\n\u2028 \x00', "nested": {"a": [1, {"b": None}]}}
    [row] = orjson.loads(export("JSON_MIN", [task(data)], CLASSIFY))
    assert row["review"] == data["review"] and row["nested"] == data["nested"]


def test_jsonl_keeps_whole_tasks_and_narrows_only_when_asked() -> None:
    t = task({"review": "x"}, annotation([choice("sentiment", "pos")], id=1),
             annotation([], id=2, was_cancelled=True), annotation([], id=3, ground_truth=True))  # fmt: skip
    [line] = [orjson.loads(x) for x in export("JSONL", [t], CLASSIFY).splitlines()]
    assert line == t
    [line] = [
        orjson.loads(x) for x in export("JSONL", [t], CLASSIFY, annotations="ground_truth").splitlines()
    ]
    assert [a["id"] for a in line["annotations"]] == [3] and line["data"] == t["data"]


def test_results_of_the_fixtures_are_valid_label_studio_results() -> None:
    """The shapes these tests export are the ones the app stores."""
    labeling.validate_result(NER, {"text": TEXT}, [span(TEXT, 0, 12, "PER")])
    labeling.validate_result(BOXES, {"image": "a.jpg"}, [box(10, 20, 30, 40, "cat")])
    labeling.validate_result(
        CLASSIFY, {"review": "x"}, [choice("sentiment", "pos"), choice("topics", "a", "b")]
    )
