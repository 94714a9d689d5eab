"""Text spans (named entities and the like) from several workers, voted token by token.

Spans rarely agree to the character, but they agree on words: each worker's spans become a BIO tag per token
(words and punctuation marks of the task's text; without a text, the elementary intervals between all the
span boundaries of the task, which is the same as voting per character). Each token takes the label with the
most (skill-weighted) votes, "outside" included; whether it opens a new span or continues the previous one is
voted among the workers who gave it that label, so two adjacent entities stay two. Runs of tokens are turned
back into character offsets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality.aggregation.answers import Answers, Span, field, plain

TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass
class SpanVote:
    """Token-level majority of BIO tags over the workers of each task.

    `fit(data, texts=None, skills=None)`: `data` has columns `task`, `worker`, `spans` (a list of
    `(start, end, label)` or of mappings with `start`, `end` and `label` or Label Studio's `labels`; an empty
    list when the worker marked nothing); `texts` maps a task to its text (tokens by word and punctuation
    boundaries; tasks without one are voted per character); `skills` weighs each worker (a mapping or a
    pandas Series by worker, `default_skill` for the missing ones).

    Ties go to "outside", then to the smallest label; a tie between opening and continuing a span
    continues it. After `fit`: `labels_` (per task, a list of `Span(start, end, label)` in text order),
    `scores_` (per task, each span's mean token vote share) and `confidence_` (per task, the mean vote share
    of the winning tag over the tokens any worker labelled; 1 when nobody marked anything).
    """

    default_skill: float | None = None

    def fit(self, data: Any, texts: Mapping[Any, str] | None = None, skills: Any = None) -> SpanVote:
        answers = Answers.of(data, "spans")
        weights = answers.weights(skills, self.default_skill)
        text_of = dict(texts.items()) if texts is not None else {}
        spans: list[list[Span]] = []
        scores: list[list[float]] = []
        confidence = np.ones(len(answers.tasks))
        for t, rows in answers.groups():
            task = plain(answers.tasks[t])
            given = [_spans(answers.values[r], task, plain(answers.workers[answers.worker[r]])) for r in rows]
            text = text_of.get(task)
            units = _tokens(text) if text is not None else _elementary(given)
            found, found_scores, confidence[t] = vote(units, given, weights[rows])
            spans.append(found)
            scores.append(found_scores)
        self.answers_ = answers
        self.span_values_, self.score_values_, self.confidence_values_ = spans, scores, confidence
        return self

    def fit_predict(self, data: Any, texts: Mapping[Any, str] | None = None, skills: Any = None) -> Any:
        return self.fit(data, texts, skills).labels_

    @property
    def labels_(self) -> Any:
        return self.answers_.per_task(self.span_values_, "agg_spans")

    @property
    def scores_(self) -> Any:
        return self.answers_.per_task(self.score_values_, "scores")

    @property
    def confidence_(self) -> Any:
        return self.answers_.per_task(self.confidence_values_.tolist(), "confidence")


def vote(
    units: npt.NDArray[np.int64], given: Sequence[Sequence[Span]], weights: npt.NDArray[np.float64]
) -> tuple[list[Span], list[float], float]:
    """The spans, their scores and the confidence of one task, from its units (n x 2 character intervals in
    text order) and each worker's spans."""
    if not len(units) or not any(given):
        return [], [], 1.0
    if weights.sum() <= 0:
        weights = np.ones(len(given))
    classes = sorted({s.label for spans in given for s in spans}, key=lambda x: (type(x).__name__, str(x)))
    code = {label: i + 1 for i, label in enumerate(classes)}  # 0 is "outside"
    tags, begins = _tag(units, given, code)
    n, w = len(units), len(given)
    counts = np.zeros((n, len(classes) + 1))
    np.add.at(counts, (np.tile(np.arange(n), w), tags.ravel()), np.repeat(weights, n))
    winner = np.argmax(counts, axis=1)
    share = counts[np.arange(n), winner] / weights.sum()
    agreeing = tags == winner[None, :]
    opens = (agreeing & begins) * weights[:, None]
    goes_on = (agreeing & ~begins) * weights[:, None]
    previous = np.r_[0, winner[:-1]]
    start = (winner > 0) & ((previous != winner) | (opens.sum(axis=0) > goes_on.sum(axis=0)))
    spans: list[Span] = []
    scores: list[float] = []
    for first in np.flatnonzero(start).tolist():
        last = first
        while last + 1 < n and winner[last + 1] == winner[first] and not start[last + 1]:
            last += 1
        spans.append(Span(int(units[first, 0]), int(units[last, 1]), classes[winner[first] - 1]))
        scores.append(float(share[first : last + 1].mean()))
    touched = (tags > 0).any(axis=0) | (winner > 0)
    return spans, scores, float(share[touched].mean()) if touched.any() else 1.0


def _tag(
    units: npt.NDArray[np.int64], given: Sequence[Sequence[Span]], code: Mapping[Any, int]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Workers x units label codes and span openings. A worker's overlapping spans: each unit keeps the
    span that starts first (the longer at equal starts)."""
    tags = np.zeros((len(given), len(units)), dtype=np.intp)
    begins = np.zeros((len(given), len(units)), dtype=bool)
    for w, spans in enumerate(given):
        for s in sorted(spans, key=lambda s: (s.start, s.start - s.end, str(s.label))):
            first = int(np.searchsorted(units[:, 1], s.start, side="right"))
            last = int(np.searchsorted(units[:, 0], s.end, side="left"))
            if first >= last:
                continue
            if not tags[w, first:last].any():  # the usual case: nothing of this worker's there yet
                tags[w, first:last] = code[s.label]
                begins[w, first] = True
                continue
            free = first + np.flatnonzero(tags[w, first:last] == 0)
            if not len(free):
                continue
            tags[w, free] = code[s.label]
            begins[w, free[np.r_[True, np.diff(free) > 1]]] = True
    return tags, begins


def _tokens(text: str) -> npt.NDArray[np.int64]:
    found = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
    return np.asarray(found, dtype=np.int64).reshape(len(found), 2)


def _elementary(given: Sequence[Sequence[Span]]) -> npt.NDArray[np.int64]:
    """The intervals between consecutive span boundaries: every character inside one gets the same votes."""
    bounds = np.unique([b for spans in given for s in spans for b in (s.start, s.end)]).astype(np.int64)
    return np.stack([bounds[:-1], bounds[1:]], axis=1) if len(bounds) > 1 else np.zeros((0, 2), np.int64)


def _spans(value: Any, task: Any, worker: Any) -> list[Span]:
    """A worker's spans, checked: integer offsets with start < end."""
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise ValueError(
            f"task {task!r}, worker {worker!r}: spans must be a list, not {type(value).__name__}"
        )
    out = []
    for item in value:
        try:
            start, end = field(item, ("start",), 0), field(item, ("end",), 1)
            label = field(item, ("label", "labels"), 2)
            span = Span(int(start), int(end), label)
            if span.start != start or span.end != end:
                raise ValueError("offsets must be whole numbers")
        except (ValueError, TypeError) as exc:
            raise ValueError(f"task {task!r}, worker {worker!r}: {exc}") from exc
        if not 0 <= span.start < span.end:
            raise ValueError(
                f"task {task!r}, worker {worker!r}: a span needs 0 <= start < end, not {item!r:.60}"
            )
        out.append(span)
    return out
