"""Span aggregation: hand-checked votes on a sentence, the frame kinds, bad input, and its properties."""

from __future__ import annotations

import random

import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise import quality
from labelwise.quality.aggregation.answers import Span

TEXT = "Barack Obama visited New York City yesterday."
#       0     6 7   12      20  24   29  33


def _frame(rows: list[tuple[object, object, list[object]]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["task", "worker", "spans"])


def test_tokens_vote_and_spans_come_back_in_character_offsets() -> None:
    votes = _frame(
        [
            (1, "a", [(0, 12, "PER"), (21, 34, "LOC")]),
            (1, "b", [(0, 6, "PER"), (21, 29, "LOC")]),  # first name only; "New York"
            (1, "c", [(8, 11, "PER"), (21, 34, "LOC")]),  # a piece of "Obama" counts for the whole word
        ]
    )
    model = quality.SpanVote().fit(votes, texts={1: TEXT})
    assert model.labels_[1] == [Span(0, 12, "PER"), Span(21, 34, "LOC")]
    assert [TEXT[s.start : s.end] for s in model.labels_[1]] == ["Barack Obama", "New York City"]
    # Barack 2/3, Obama 2/3; New, York 3/3, City 2/3.
    assert model.scores_[1] == pytest.approx([2 / 3, 8 / 9])
    assert model.confidence_[1] == pytest.approx((2 / 3 + 2 / 3 + 1 + 1 + 2 / 3) / 5)


def test_adjacent_entities_stay_apart_when_most_workers_open_a_new_one() -> None:
    text = "Paris London"
    two = [(0, 5, "LOC"), (6, 12, "LOC")]
    votes = _frame([(1, "a", two), (1, "b", two), (1, "c", [(0, 12, "LOC")])])
    assert quality.SpanVote().fit(votes, texts={1: text}).labels_[1] == [
        Span(0, 5, "LOC"),
        Span(6, 12, "LOC"),
    ]
    votes = _frame([(1, "a", two), (1, "b", [(0, 12, "LOC")]), (1, "c", [(0, 12, "LOC")])])
    assert quality.SpanVote().fit(votes, texts={1: text}).labels_[1] == [Span(0, 12, "LOC")]


def test_ties_go_to_outside_and_skills_break_them() -> None:
    votes = _frame([(1, "a", [(0, 6, "PER")]), (1, "b", [])])
    plain = quality.SpanVote().fit(votes, texts={1: TEXT})
    assert plain.labels_[1] == [] and plain.confidence_[1] == 0.5
    weighted = quality.SpanVote().fit(votes, texts={1: TEXT}, skills={"a": 0.9, "b": 0.6})
    assert weighted.labels_[1] == [Span(0, 6, "PER")]
    assert weighted.scores_[1] == [pytest.approx(0.6)]
    with pytest.raises(ValueError, match="no skill for worker 'b'"):
        quality.SpanVote().fit(votes, skills={"a": 1.0})
    assert quality.SpanVote(default_skill=0.1).fit(votes, skills={"a": 1.0}).labels_[1] == [Span(0, 6, "PER")]


def test_without_a_text_the_vote_is_per_character() -> None:
    votes = _frame([(7, 1, [(2, 10, "X")]), (7, 2, [(4, 12, "X")]), (7, 3, [(4, 10, "Y")])])
    model = quality.SpanVote().fit(votes)
    # 2-4: X once, outside twice; 4-10: X twice; 10-12: X once.
    assert model.labels_[7] == [Span(4, 10, "X")]


def test_label_studio_values_and_polars_and_arrays() -> None:
    spans = [[{"start": 0, "end": 6, "labels": ["PER"]}], [{"start": 0, "end": 6, "labels": ["PER"]}]]
    polars = quality.SpanVote().fit(pl.DataFrame({"task": [3, 3], "worker": [1, 2], "spans": spans}))
    assert polars.labels_.to_dicts() == [{"task": 3, "agg_spans": [{"start": 0, "end": 6, "label": "PER"}]}]
    arrays = quality.SpanVote().fit(([3, 3], [1, 2], spans))
    assert arrays.labels_.tolist() == [[Span(0, 6, "PER")]] and arrays.confidence_.tolist() == [1.0]


@pytest.mark.parametrize(
    ("spans", "message"),
    [
        ([(5, 2, "X")], "0 <= start < end"),
        ([(0, 2.5, "X")], "whole numbers"),
        ([{"start": 0, "end": 2}], "none of the fields label"),
        ([{"start": 0, "end": 2, "labels": ["A", "B"]}], "exactly one label"),
        ("0-2", "must be a list"),
    ],
)
def test_bad_spans_name_the_task_and_worker(spans: object, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        quality.SpanVote().fit(_frame([(9, "w", spans)]))  # type: ignore[list-item]
    assert "task 9, worker 'w'" in str(caught.value)


def test_a_worker_answers_a_task_once() -> None:
    with pytest.raises(ValueError, match="worker 'a' answered task 1 more than once"):
        quality.SpanVote().fit(_frame([(1, "a", []), (1, "a", [])]))


span = st.tuples(st.integers(0, 40), st.integers(1, 10), st.sampled_from(["A", "B"])).map(
    lambda t: (t[0], t[0] + t[1], t[2])
)


@settings(max_examples=60, deadline=None)
@given(st.lists(span, max_size=4, unique_by=lambda s: s[0]), st.integers(1, 5), st.booleans())
def test_unanimous_workers_get_their_spans_back_with_confidence_one(
    spans: list[tuple[int, int, str]], n: int, with_text: bool
) -> None:
    # Non-overlapping spans of one worker, in text order, so BIO can hold them.
    kept: list[tuple[int, int, str]] = []
    for s in sorted(spans):
        if not kept or s[0] >= kept[-1][1]:
            kept.append(s)
    spans = kept
    texts = {0: " ".join("w" for _ in range(40))} if with_text else None
    model = quality.SpanVote().fit(_frame([(0, w, spans) for w in range(n)]), texts=texts)
    assert model.confidence_[0] == 1.0
    if not with_text:
        assert model.labels_[0] == [Span(*s) for s in spans]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(span, max_size=3), min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_the_order_of_the_rows_does_not_matter(
    answers: list[list[tuple[int, int, str]]], rnd: random.Random
) -> None:
    rows = [(0, f"w{i}", a) for i, a in enumerate(answers)]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    first, second = quality.SpanVote().fit(_frame(rows)), quality.SpanVote().fit(_frame(shuffled))
    assert first.labels_[0] == second.labels_[0]
    assert first.confidence_[0] == second.confidence_[0]
