"""Box aggregation: clusters across workers, averaged coordinates, voted labels, and its properties."""

from __future__ import annotations

import random

import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise import quality
from labelwise.quality.aggregation.answers import Box


def _frame(rows: list[tuple[object, object, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["task", "worker", "boxes"])


def test_overlapping_boxes_become_one_with_the_mean_coordinates_and_the_voted_label() -> None:
    votes = _frame(
        [
            (1, "a", [(10, 10, 20, 20, "car"), (60, 60, 10, 10, "dog")]),
            (1, "b", [(12, 10, 20, 20, "car"), (61, 60, 10, 10, "dog")]),
            (1, "c", [(11, 13, 20, 20, "bus")]),  # the car, called a bus; missed the dog
        ]
    )
    model = quality.BoxVote().fit(votes)
    assert model.labels_[1] == [
        Box(pytest.approx(11.0), pytest.approx(11.0), 20.0, 20.0, "car"),  # type: ignore[arg-type]
        Box(60.5, 60.0, 10.0, 10.0, "dog"),
    ]
    assert model.scores_[1] == pytest.approx([1.0, 2 / 3])
    assert model.confidence_[1] == pytest.approx((1.0 + 2 / 3) / 2)
    median = quality.BoxVote(average="median").fit(votes)
    assert median.labels_[1][0] == Box(11.0, 10.0, 20.0, 20.0, "car")


def test_a_worker_gives_at_most_one_box_to_a_cluster() -> None:
    # Worker a drew the same object twice; b once. The two boxes of a cannot merge with each other.
    votes = _frame(
        [(1, "a", [(10, 10, 20, 20, "x"), (11, 10, 20, 20, "x")]), (1, "b", [(10, 10, 20, 20, "x")])]
    )
    model = quality.BoxVote().fit(votes)
    assert model.labels_[1] == [Box(10.0, 10.0, 20.0, 20.0, "x"), Box(11.0, 10.0, 20.0, 20.0, "x")]
    assert model.scores_[1] == [1.0, 0.5]


def test_min_share_and_threshold() -> None:
    votes = _frame([(1, "a", [(10, 10, 20, 20, "x")]), (1, "b", []), (1, "c", [])])
    assert quality.BoxVote().fit(votes).labels_[1] == []
    assert quality.BoxVote(min_share=0.3).fit(votes).scores_[1] == [pytest.approx(1 / 3)]
    apart = _frame([(1, "a", [(10, 10, 20, 20, "x")]), (1, "b", [(25, 10, 20, 20, "x")])])  # IoU 1/7
    assert len(quality.BoxVote().fit(apart).labels_[1]) == 2
    assert quality.BoxVote(threshold=0.1).fit(apart).labels_[1] == [Box(17.5, 10.0, 20.0, 20.0, "x")]


def test_skills_weigh_the_share_the_label_and_the_coordinates() -> None:
    votes = _frame([(1, "a", [(10, 10, 20, 20, "car")]), (1, "b", [(14, 10, 20, 20, "bus")]), (1, "c", [])])
    model = quality.BoxVote().fit(votes, skills={"a": 3.0, "b": 1.0, "c": 1.0})
    assert model.labels_[1] == [Box(11.0, 10.0, 20.0, 20.0, "car")]
    assert model.scores_[1] == [pytest.approx(0.8)]


def test_label_studio_values_polars_and_bad_input() -> None:
    value = {"x": 1, "y": 2, "width": 3, "height": 4, "rotation": 0, "rectanglelabels": ["car"]}
    model = quality.BoxVote().fit(
        pl.DataFrame({"task": ["t", "t"], "worker": [1, 2], "boxes": [[value], [value]]})
    )
    assert model.labels_.to_dicts() == [
        {"task": "t", "agg_boxes": [{"x": 1.0, "y": 2.0, "width": 3.0, "height": 4.0, "label": "car"}]}
    ]
    assert model.confidence_.to_dicts() == [{"task": "t", "confidence": 1.0}]
    with pytest.raises(ValueError, match="task 1, worker 'a': a box needs finite coordinates"):
        quality.BoxVote().fit(_frame([(1, "a", [(0, 0, 0, 5, "x")])]))
    with pytest.raises(ValueError, match="none of the fields height"):
        quality.BoxVote().fit(_frame([(1, "a", [{"x": 0, "y": 0, "width": 5, "label": "x"}])]))
    with pytest.raises(ValueError, match="average must be one of mean, median"):
        quality.BoxVote(average="mode").fit(_frame([]))


coordinate = st.floats(0, 80, allow_nan=False)
box = st.tuples(coordinate, coordinate, st.floats(1, 20), st.floats(1, 20), st.sampled_from(["a", "b"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(box, max_size=4), st.integers(1, 5))
def test_unanimous_workers_get_their_boxes_back_with_confidence_one(boxes: list[tuple], n: int) -> None:  # type: ignore[type-arg]
    model = quality.BoxVote().fit(_frame([(0, w, boxes) for w in range(n)]))
    assert model.confidence_[0] == 1.0
    found, wanted = sorted(model.labels_[0]), sorted(Box(*b) for b in boxes)
    assert [b.label for b in found] == [b.label for b in wanted]
    assert [b[:4] for b in found] == [pytest.approx(b[:4]) for b in wanted]
    assert model.scores_[0] == [1.0] * len(boxes)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(box, max_size=3), min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_the_order_of_the_rows_and_of_a_workers_boxes_does_not_matter(
    answers: list[list[tuple]],  # type: ignore[type-arg]
    rnd: random.Random,
) -> None:
    rows = [(0, f"w{i}", a) for i, a in enumerate(answers)]
    shuffled = [(t, w, rnd.sample(a, len(a))) for t, w, a in rows]
    rnd.shuffle(shuffled)
    first, second = quality.BoxVote().fit(_frame(rows)), quality.BoxVote().fit(_frame(shuffled))
    assert first.labels_[0] == second.labels_[0]
    assert first.scores_[0] == second.scores_[0]


def test_a_task_gets_the_same_boxes_fitted_alone_or_among_many() -> None:
    """Tasks with the same number of boxes are clustered together, as one stack of matrices: a task's
    clusters must not depend on the tasks stacked with it."""
    rng = random.Random(7)
    rows = []
    for task in range(60):
        objects = [
            (rng.uniform(0, 70), rng.uniform(0, 70), rng.uniform(5, 25), rng.uniform(5, 25)) for _ in range(3)
        ]
        for worker in "abcde":
            drawn = [
                (x + rng.uniform(-3, 3), y + rng.uniform(-3, 3), w, h, rng.choice(["car", "car", "bus"]))
                for x, y, w, h in objects
                if rng.random() < 0.8
            ]
            rows.append((task, worker, drawn))
    together = quality.BoxVote(threshold=0.4).fit(_frame(rows))
    for task in range(60):
        alone = quality.BoxVote(threshold=0.4).fit(_frame([r for r in rows if r[0] == task]))
        assert alone.labels_[task] == together.labels_[task]
        assert alone.scores_[task] == together.scores_[task]
        assert alone.confidence_[task] == together.confidence_[task]
    sizes = {sum(len(r[2]) for r in rows if r[0] == task) for task in range(60)}
    assert len(sizes) > 3  # several stacks of different sizes were clustered
