"""Consensus of spans, rectangles, texts, ratings and numbers: the estimators made for them by default, the
result in Label Studio's format (valid for the project's config) with a score per region, skills as closeness
to the consensus, and the categorical methods still selectable."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.models import AnnotatorSkill, TaskConsensus
from tests.api.test_consensus import _aggregate
from tests.api.test_tasks_and_import import make_project
from tests.support.people import member

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>'
    '<Image name="img" value="$image"/>'
    '<RectangleLabels name="box" toName="img"><Label value="car"/><Label value="bus"/></RectangleLabels>'
    '<TextArea name="caption" toName="text"/>'
    '<Rating name="stars" toName="text" maxRating="5"/>'
    '<Number name="count" toName="text" min="0" max="10"/></View>'
)
TEXT = "Ada at Acme"


def _span(start: int, end: int, label: str) -> dict[str, Any]:
    value = {"start": start, "end": end, "text": TEXT[start:end], "labels": [label]}
    return {"from_name": "ner", "to_name": "text", "type": "labels", "value": value}


def _box(x: float, y: float, w: float, h: float, label: str) -> dict[str, Any]:
    return {
        "from_name": "box", "to_name": "img", "type": "rectanglelabels",
        "original_width": 640, "original_height": 480,
        "value": {"x": x, "y": y, "width": w, "height": h, "rotation": 0, "rectanglelabels": [label]},
    }  # fmt: skip


def _answer(
    spans: list[Any], boxes: list[Any], caption: str, stars: int, count: float
) -> list[dict[str, Any]]:
    return [
        *spans,
        *boxes,
        {"from_name": "caption", "to_name": "text", "type": "textarea", "value": {"text": [caption]}},
        {"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": stars}},
        {"from_name": "count", "to_name": "text", "type": "number", "value": {"number": count}},
    ]


# Three annotators on the first task; on the second they only rate (no spans, no boxes, no caption).
FIRST = [
    _answer([_span(0, 3, "PER"), _span(7, 11, "ORG")], [_box(10, 10, 20, 20, "car")], "a red car", 4, 3),
    _answer([_span(0, 3, "PER")], [_box(12, 10, 20, 20, "car")], "a red car", 5, 4),
    # "Ad" counts for the word "Ada"; the bus is the others' car; the small car nobody else drew.
    _answer(
        [_span(0, 2, "PER")], [_box(11, 13, 20, 20, "bus"), _box(60, 60, 10, 10, "car")], "a rad car", 5, 8
    ),
]
SECOND = [3, 3, 2]


def _project(client: TestClient, db: Session) -> tuple[int, list[int], list[int]]:
    pid = make_project(client, CONFIG, maximum_annotations=3)
    data = [{"text": TEXT, "image": "https://example.com/street.jpg"}] * 2
    tasks = list(client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=data).json()["task_ids"])
    users = []
    for k in range(3):
        token = f"regions{k}-token-0123456789"
        users.append(member(db, pid, f"r{k}@example.com", "annotator", token=token).id)
        headers = {"Authorization": f"Token {token}"}
        for task_id, result in (
            (tasks[0], FIRST[k]),
            (
                tasks[1],
                [{"from_name": "stars", "to_name": "text", "type": "rating", "value": {"rating": SECOND[k]}}],
            ),
        ):
            r = client.post(f"/api/tasks/{task_id}/annotations", json={"result": result}, headers=headers)
            assert r.status_code == 201, r.text
    return pid, tasks, users


def _rows(db: Session, pid: int) -> dict[tuple[int, str], TaskConsensus]:
    db.rollback()
    found = db.scalars(select(TaskConsensus).where(TaskConsensus.project_id == pid))
    return {(r.task_id, r.control): r for r in found}


def test_each_kind_gets_its_own_estimator_and_a_label_studio_result(client: TestClient, db: Session) -> None:
    pid, tasks, users = _project(client, db)
    state = _aggregate(client, pid)
    assert state["job"]["status"] == "completed", state
    assert state["methods"] == {
        "ner": "span",
        "box": "box",
        "caption": "rover",
        "stars": "mean",
        "count": "mean",
    }
    rows = _rows(db, pid)
    # Nobody marked spans or boxes or wrote a caption on the second task: no consensus row for those.
    assert set(rows) == {(tasks[0], c) for c in ("ner", "box", "caption", "stars", "count")} | {
        (tasks[1], "stars")
    }

    ner = rows[(tasks[0], "ner")]
    assert ner.method == "span" and ner.confidence == pytest.approx((1 + 2 / 3) / 2)  # "Ada" 3/3, "Acme" 2/3
    assert ner.result == [
        {"from_name": "ner", "to_name": "text", "type": "labels", "score": 1.0,
         "value": {"start": 0, "end": 3, "text": "Ada", "labels": ["PER"]}}
    ]  # fmt: skip

    box = rows[(tasks[0], "box")]
    assert box.confidence == pytest.approx((1 + 2 / 3) / 2)  # the car 3/3; the small car 1/3 (dropped)
    assert len(box.result) == 1
    item = box.result[0]
    assert item["original_width"] == 640 and item["score"] == 1.0 and item["type"] == "rectanglelabels"
    assert item["value"]["rectanglelabels"] == ["car"]  # two cars, one bus
    assert (item["value"]["x"], item["value"]["y"]) == (pytest.approx(11.0), pytest.approx(11.0))

    caption = rows[(tasks[0], "caption")]
    assert caption.result[0]["value"] == {"text": ["a red car"]}
    assert caption.confidence == pytest.approx((1 + 2 / 3 + 1) / 3)

    stars = rows[(tasks[0], "stars")]
    assert stars.result[0]["value"] == {"rating": 5}  # the mean 4.67 on whole stars
    assert stars.confidence == pytest.approx(1 - (2 / 3 + 1 / 3 + 1 / 3) / 3 / 4)  # distances over 5 - 1
    assert rows[(tasks[1], "stars")].result[0]["value"] == {"rating": 3}  # 2.67
    count = rows[(tasks[0], "count")]
    assert count.result[0]["value"] == {"number": 5.0}
    assert count.confidence == pytest.approx(1 - (2 + 1 + 3) / 3 / 10)  # distances over max - min

    schema = labeling.parse_config(CONFIG)
    data = {"text": TEXT, "image": "https://example.com/street.jpg"}
    for row in rows.values():
        labeling.validate_result(schema, data, row.result)  # the editor can open it as it opens a prediction

    skills = {
        (s.user_id, s.control): s
        for s in db.scalars(select(AnnotatorSkill).where(AnnotatorSkill.project_id == pid))
    }
    # Span F1 against the consensus: the extra ORG halves nothing but adds an unmatched span (2 * 1 / 3).
    assert skills[(users[0], "ner")].skill == pytest.approx(2 / 3) and skills[(users[0], "ner")].n == 1
    assert skills[(users[2], "ner")].skill == 1.0  # "Ad" overlaps "Ada" at IoU 2/3
    assert skills[(users[2], "box")].skill == pytest.approx(0.0)  # a bus and an extra box
    assert skills[(users[0], "box")].skill == 1.0
    assert skills[(users[2], "caption")].skill == pytest.approx(1 - 1 / 9)  # one letter of nine
    assert skills[(users[0], "stars")].n == 2


def test_categorical_methods_stay_selectable_and_wrong_ones_are_refused(
    client: TestClient, db: Session
) -> None:
    pid, tasks, _ = _project(client, db)
    r = client.patch(f"/api/projects/{pid}", json={"aggregation": {"ner": "mv", "stars": "median"}})
    assert r.status_code == 200, r.text
    state = _aggregate(client, pid)
    assert state["methods"]["ner"] == "mv" and state["methods"]["stars"] == "median"
    rows = _rows(db, pid)
    # Majority of identical results: the three annotators' span sets all differ, the first one found wins.
    assert rows[(tasks[0], "ner")].method == "mv"
    assert rows[(tasks[0], "ner")].confidence == pytest.approx(1 / 3)
    assert rows[(tasks[0], "stars")].result[0]["value"] == {"rating": 5}  # the median of 4, 5, 5
    assert rows[(tasks[1], "stars")].result[0]["value"] == {"rating": 3}

    for body, named in (({"ner": "box"}, "'box' for ner"), ({"caption": "mean"}, "'mean' for caption")):
        r = client.patch(f"/api/projects/{pid}", json={"aggregation": body})
        assert r.status_code == 400 and named in r.json()["detail"], r.text
        assert "aggregation" in r.json()["validation_errors"]
    # One method for a run applies where it can; the others keep their own.
    state = _aggregate(client, pid, {"method": "median"})
    assert state["job"]["result"]["methods"] == {
        "ner": "mv", "box": "box", "caption": "rover", "stars": "median", "count": "median"
    }  # fmt: skip
    r = client.post(f"/api/projects/{pid}/aggregate", json={"method": "nosuch"})
    assert r.status_code == 400 and "span" in r.json()["detail"]
