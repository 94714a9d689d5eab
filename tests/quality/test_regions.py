"""Region and free-answer agreement: hand-checked cases and the properties every score keeps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise.quality import regions
from labelwise.quality.regions import geometry, scores


def test_spans_match_by_overlap_or_exactly() -> None:
    a = [(0, 5, {"PER"}), (10, 20, {"LOC"})]
    b = [(0, 4, {"PER"}), (10, 20, {"ORG"})]
    assert regions.span_f1(a, b) == pytest.approx(2 * 1 / 4)  # PER overlaps (IoU 0.8); LOC vs ORG differ
    assert regions.span_f1(a, b, exact=True) == 0.0
    assert regions.span_f1(a, a, exact=True) == 1.0
    assert regions.span_f1([], []) == 1.0 and regions.span_f1(a, []) == 0.0


def test_matching_is_one_to_one_and_finds_the_most_matches() -> None:
    # Taking the best pair first (0.9) would leave the other two unmatched; two matches are possible.
    similarity = np.array([[0.9, 0.5], [0.5, 0.0]])
    same = np.ones((2, 2), dtype=bool)
    assert scores.matched_f1(similarity, same, 0.5, 2, 2) == 1.0
    # One region can match only one other.
    assert scores.matched_f1(np.array([[0.9], [0.8]]), np.ones((2, 1), bool), 0.5, 2, 1) == pytest.approx(
        2 / 3
    )


def test_boxes_at_an_iou_threshold() -> None:
    a = [((10, 10, 20, 20), {"car"})]
    assert regions.box_f1(a, [((12, 10, 20, 20), {"car"})]) == 1.0  # IoU 18*20 / (2*400 - 360) = 0.82
    assert regions.box_f1(a, [((25, 10, 20, 20), {"car"})]) == 0.0  # IoU 100 / 700
    assert regions.box_f1(a, [((10, 10, 20, 20), {"bus"})]) == 0.0


def test_polygons_by_raster_iou() -> None:
    square = [(10.0, 10.0), (50.0, 10.0), (50.0, 50.0), (10.0, 50.0)]
    shifted = [(x + 5, y) for x, y in square]
    far = [(x + 45, y) for x, y in square]
    assert regions.polygon_f1([(square, {"a"})], [(shifted, {"a"})]) == 1.0  # IoU 35/45
    assert regions.polygon_f1([(square, {"a"})], [(far, {"a"})]) == 0.0


def test_keypoints_texts_numbers_and_sets() -> None:
    assert regions.keypoint_f1([((10, 10), {"eye"})], [((11, 10.5), {"eye"})]) == 1.0
    assert regions.keypoint_f1([((10, 10), {"eye"})], [((20, 10), {"eye"})]) == 0.0
    assert regions.text_similarity("Hello  world", "hello world") == 1.0
    assert regions.text_similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert regions.number_similarity(4, 5, scale=4) == 0.75
    assert regions.jaccard({"a", "b"}, {"b", "c"}) == pytest.approx(1 / 3)


def test_task_agreement_is_the_mean_over_pairs() -> None:
    answers = [{"a"}, {"a"}, {"b"}]
    assert regions.task_agreement_of(answers, regions.jaccard) == pytest.approx(1 / 3)
    assert regions.task_agreement_of([{"a"}], regions.jaccard) is None


spans = st.lists(
    st.tuples(st.integers(0, 50), st.integers(1, 20), st.sampled_from(["A", "B"])).map(
        lambda t: (t[0], t[0] + t[1], {t[2]})
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(spans, spans)
def test_span_scores_are_symmetric_bounded_and_self_identical(a: list, b: list) -> None:
    ab, ba = regions.span_f1(a, b), regions.span_f1(b, a)
    assert ab == pytest.approx(ba) and 0.0 <= ab <= 1.0
    assert regions.span_f1(a, a) == 1.0
    assert regions.span_f1(a, list(reversed(a))) == 1.0


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_text_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    assert regions.text_similarity(a, b) == pytest.approx(regions.text_similarity(b, a))
    assert 0.0 <= regions.text_similarity(a, b) <= 1.0
    assert regions.text_similarity(a, a) == 1.0


def test_box_iou_of_a_stack_is_the_matrix_of_each_pair() -> None:
    rng = np.random.default_rng(3)
    a = np.concatenate([rng.uniform(0, 60, (4, 5, 2)), rng.uniform(1, 30, (4, 5, 2))], axis=2)
    b = np.concatenate([rng.uniform(0, 60, (4, 3, 2)), rng.uniform(1, 30, (4, 3, 2))], axis=2)
    stacked = geometry.box_iou(a, b)
    assert stacked.shape == (4, 5, 3)
    for k in range(4):
        assert np.array_equal(stacked[k], geometry.box_iou(a[k], b[k]))
    assert np.all((stacked >= 0) & (stacked <= 1))
