"""ROVER: the same texts as crowd-kit's on simulated transcriptions, hand-checked votes, and its properties."""

from __future__ import annotations

import random

import pandas as pd
import polars as pl
import pytest
from crowdkit.aggregation import ROVER as CrowdKitROVER
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise import quality

WORDS = ["the", "a", "cat", "dog", "sat", "on", "mat", "hat", "big", "small"]


def _frame(rows: list[tuple[object, object, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["task", "worker", "text"])


def _transcriptions(seed: int, n_tasks: int) -> pd.DataFrame:
    """Noisy copies of a random sentence per task: dropped, replaced and inserted words."""
    rnd = random.Random(seed)
    rows = []
    for task in range(n_tasks):
        truth = [rnd.choice(WORDS) for _ in range(rnd.randint(0, 9))]
        for worker in rnd.sample(range(40), rnd.randint(1, 6)):
            tokens: list[str] = []
            for word in truth:
                r = rnd.random()
                if r < 0.1:
                    continue
                tokens.append(rnd.choice(WORDS) if r < 0.2 else word)
                if rnd.random() < 0.1:
                    tokens.append(rnd.choice(WORDS))
            rows.append((task, f"w{worker:02d}", " ".join(tokens)))
    return _frame(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_texts_as_crowd_kit_on_the_same_row_order(seed: int) -> None:
    votes = _transcriptions(seed, 200).sample(frac=1.0, random_state=seed)
    ours = quality.ROVER().fit_predict(votes)
    # Ours aligns in worker order whatever the row order; crowd-kit in row order, so give it that order.
    ordered = votes.sort_values(["task", "worker"], kind="stable")
    theirs = CrowdKitROVER(tokenizer=lambda s: s.split(), detokenizer=" ".join).fit_predict(ordered)
    assert ours.index.name == "task" and ours.name == "agg_text"
    pd.testing.assert_series_equal(ours, theirs.loc[ours.index], check_dtype=False)


def test_the_majority_word_wins_in_each_slot() -> None:
    votes = _frame(
        [
            (1, "a", "the cat sat on the mat"),
            (1, "b", "the cat sat on a mat"),
            (1, "c", "a cat sat on the mat"),
            (1, "d", "the bat sat on the mat today"),
        ]
    )
    model = quality.ROVER().fit(votes)
    assert model.texts_[1] == "the cat sat on the mat"
    # Six slots of four votes plus "today" (1 of 4): 3/4 for "the", "cat", the second "the"; 1 for the rest.
    assert model.confidence_[1] == pytest.approx((0.75 * 3 + 1.0 * 3 + 0.75) / 7)


def test_skills_weigh_the_votes_and_polars_and_arrays() -> None:
    rows = [(1, "a", "hello world"), (1, "b", "hello word"), (1, "c", "hallo word")]
    assert quality.ROVER().fit(_frame(rows)).texts_[1] == "hello word"
    weighted = quality.ROVER().fit(_frame(rows), skills={"a": 5.0, "b": 1.0, "c": 1.0})
    assert weighted.texts_[1] == "hello world"
    polars = quality.ROVER().fit(pl.DataFrame({"task": [1, 1], "worker": ["a", "b"], "text": ["x y", "x y"]}))
    assert polars.texts_.to_dicts() == [{"task": 1, "agg_text": "x y"}]
    arrays = quality.ROVER(tokenizer=list, detokenizer="".join).fit(
        ([1, 1, 1], [1, 2, 3], ["abc", "abd", "abd"])
    )
    assert arrays.texts_.tolist() == ["abd"]


def test_a_text_must_be_a_string() -> None:
    with pytest.raises(ValueError, match="task 1, worker 'a': a text must be a string, not float"):
        quality.ROVER().fit(_frame([(1, "a", 2.5)]))


sentence = st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(sentence, st.integers(1, 5))
def test_unanimous_workers_get_their_text_back_with_confidence_one(text: str, n: int) -> None:
    model = quality.ROVER().fit(_frame([(0, w, text) for w in range(n)]))
    assert model.texts_[0] == text and model.confidence_[0] == 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(sentence, min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_the_order_of_the_rows_does_not_matter(texts: list[str], rnd: random.Random) -> None:
    rows = [(0, f"w{i}", t) for i, t in enumerate(texts)]
    shuffled = rnd.sample(rows, len(rows))
    assert quality.ROVER().fit(_frame(rows)).texts_[0] == quality.ROVER().fit(_frame(shuffled)).texts_[0]
