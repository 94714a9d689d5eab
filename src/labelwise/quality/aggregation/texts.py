"""Free texts (transcriptions, short answers) from several workers: ROVER.

Fiscus's Recognizer Output Voting Error Reduction: the workers' token sequences are aligned one after another
to a growing word transition network (a list of slots, each holding the words the aligned texts put there,
with "" for a text that has nothing there), by edit-distance dynamic programming against the network; then
each slot takes the word with the most votes and the winners are joined. Tokens that most workers wrote in
the same place survive; a typo or a missing word of one worker is outvoted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise.quality.aggregation.answers import Answers, plain

Slot = dict[str, float]  # word (or "" for nothing) -> votes
_DIAGONAL, _DELETE, _INSERT = 0, 1, 2


def _join(tokens: list[str]) -> str:
    return " ".join(tokens)


@dataclass
class ROVER:
    """ROVER over the texts of each task, aligned in worker order (sorted worker ids, so the order of the
    rows does not matter).

    `fit(data, skills=None)`: `data` has columns `task`, `worker`, `text`; `skills` weighs each worker's
    votes (a mapping or a pandas Series by worker, `default_skill` for the missing ones). `tokenizer` and
    `detokenizer` split and join (by default on whitespace).

    The alignment costs are crowd-kit's (a substitution, an insertion or a deletion costs 1; matching a word
    already in the slot costs 0, and so does skipping a slot that already holds ""), on equal costs a
    substitution or match is preferred to a deletion, and a deletion to an insertion; a slot's tie goes to the
    longer word, then the greater one. So the texts are crowd-kit's `ROVER`'s on the same row order.

    After `fit`: `texts_` (crowd-kit's name; `labels_` is the same) and `confidence_` (per task, the mean
    share of the votes that the winning word of each slot got).
    """

    tokenizer: Callable[[str], list[str]] = str.split
    detokenizer: Callable[[list[str]], str] = _join
    default_skill: float | None = None

    def fit(self, data: Any, skills: Any = None) -> ROVER:
        answers = Answers.of(data, "text")
        weights = answers.weights(skills, self.default_skill)
        texts: list[str] = []
        confidence = np.ones(len(answers.tasks))
        for t, rows in answers.groups():
            hypotheses = []
            for r in rows:
                value = answers.values[r]
                if not isinstance(value, str):
                    worker = plain(answers.workers[answers.worker[r]])
                    raise ValueError(
                        f"task {plain(answers.tasks[t])!r}, worker {worker!r}: a text must be a string, not "
                        f"{type(value).__name__}"
                    )
                hypotheses.append(self.tokenizer(value))
            words, confidence[t] = vote(network(hypotheses, weights[rows]))
            texts.append(self.detokenizer(words))
        self.answers_ = answers
        self.text_values_, self.confidence_values_ = texts, confidence
        return self

    def fit_predict(self, data: Any, skills: Any = None) -> Any:
        return self.fit(data, skills).texts_

    @property
    def texts_(self) -> Any:
        return self.answers_.per_task(self.text_values_, "agg_text")

    @property
    def labels_(self) -> Any:
        return self.texts_

    @property
    def confidence_(self) -> Any:
        return self.answers_.per_task(self.confidence_values_.tolist(), "confidence")


def network(hypotheses: Sequence[Sequence[str]], weights: npt.NDArray[np.float64]) -> list[Slot]:
    """The word transition network of the token sequences, aligned in the order given."""
    if not hypotheses:
        return []
    slots: list[Slot] = [{word: float(weights[0])} for word in hypotheses[0]]
    seen = float(weights[0])
    for tokens, weight in zip(hypotheses[1:], weights[1:].tolist(), strict=True):
        slots = _align(slots, list(tokens), weight, seen)
        seen += weight
    return slots


def vote(slots: Sequence[Slot]) -> tuple[list[str], float]:
    """Each slot's winner (most votes, then the longer, then the greater word; "" drops out) and the mean
    share of the winners."""
    words, shares = [], []
    for slot in slots:
        word = max(slot, key=lambda w: (slot[w], len(w), w))
        total = sum(slot.values())
        shares.append(slot[word] / total if total > 0 else 1.0)
        if word:
            words.append(word)
    return words, float(np.mean(shares)) if shares else 1.0


def _align(slots: list[Slot], tokens: list[str], weight: float, seen: float) -> list[Slot]:
    """Slots after aligning one more text: least edit cost, ties diagonal, then deletion, then insertion."""
    n, m = len(slots), len(tokens)
    cost = np.zeros((m + 1, n + 1))
    cost[:, 0] = np.arange(m + 1)
    cost[0, :] = np.arange(n + 1)
    move = np.zeros((m + 1, n + 1), dtype=np.int8)
    move[1:, 0] = _INSERT
    move[0, 1:] = _DELETE
    has_nothing = [("" in slot) for slot in slots]
    for i in range(1, m + 1):
        word = tokens[i - 1]
        row, above = cost[i], cost[i - 1]
        for j in range(1, n + 1):
            best = above[j - 1] + (0.0 if word in slots[j - 1] else 1.0)
            step = _DIAGONAL
            delete = row[j - 1] + (0.0 if has_nothing[j - 1] else 1.0)
            if delete < best:
                best, step = delete, _DELETE
            if above[j] + 1.0 < best:
                best, step = above[j] + 1.0, _INSERT
            row[j] = best
            move[i, j] = step
    out: list[Slot] = []
    i, j = m, n
    while i or j:
        step = move[i, j]
        if step == _INSERT:
            slot: Slot = {"": seen}
            _add(slot, tokens[i - 1], weight)
            i -= 1
        else:
            slot = dict(slots[j - 1])
            _add(slot, tokens[i - 1] if step == _DIAGONAL else "", weight)
            if step == _DIAGONAL:
                i -= 1
            j -= 1
        out.append(slot)
    out.reverse()
    return out


def _add(slot: Slot, word: str, weight: float) -> None:
    slot[word] = slot.get(word, 0.0) + weight
