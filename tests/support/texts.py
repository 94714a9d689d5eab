"""Synthetic text classification data with a realistic difficulty, generated (no downloads).

Each class has its own words, and its words partly overlap with a neighbouring class (so classes are
confusable in pairs); every document is mostly common words with a few topic words, some of them from the
neighbour; and a share of the labels is flipped (annotator noise). Word frequencies follow a Zipf law.
Used by the built-in classifier's tests and by bench/active_learning.py.
"""

from __future__ import annotations

import numpy as np

SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "su", "ba", "do", "fi", "go", "hu")


def _words(rng: np.random.Generator, count: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        word = "".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 4))))
        if word not in taken:
            taken.add(word)
            out.append(word)
    return out


def _zipf(n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1)
    return np.asarray(weights / weights.sum())


def make(
    n: int,
    classes: int = 4,
    seed: int = 0,
    topic_share: float = 0.22,
    confusion: float = 0.3,
    noise: float = 0.05,
) -> tuple[list[str], list[str]]:
    """`n` texts and their labels (`class0` …), balanced in expectation."""
    rng = np.random.default_rng(seed)
    taken: set[str] = set()
    common = _words(rng, 400, taken)
    topics = [_words(rng, 60, taken) for _ in range(classes)]
    labels = [f"class{i}" for i in range(classes)]
    common_p, topic_p = _zipf(len(common)), _zipf(60)
    texts: list[str] = []
    truth: list[str] = []
    for _ in range(n):
        k = int(rng.integers(classes))
        neighbour = (k + 1) % classes
        length = int(rng.integers(8, 30))
        words: list[str] = []
        for _ in range(length):
            if rng.random() < topic_share:
                source = topics[neighbour] if rng.random() < confusion else topics[k]
                words.append(source[int(rng.choice(60, p=topic_p))])
            else:
                words.append(common[int(rng.choice(len(common), p=common_p))])
        texts.append(" ".join(words))
        shown = int(rng.integers(classes)) if rng.random() < noise else k
        truth.append(labels[shown])
    return texts, truth
