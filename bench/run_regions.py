"""Spans, boxes, texts and ratings: how long labelwise.quality's region aggregators take, ROVER beside crowd-kit's.

    .venv/bin/python bench/run_regions.py [--tasks 10000] [--workers 5] [--repeat 3]

Answers are simulated per task and worker: two or three entities in a 40-word text, each worker missing one
now and then and moving a boundary by a word; two to four boxes per image jittered by a few percent, a label
wrong now and then; a 12-word transcription with dropped, replaced and inserted words; a 1-5 rating off by one
now and then. Each figure is the best of `--repeat` fits from a pandas frame.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from labelwise import quality

WORDS = [f"w{i}" for i in range(30)]


def simulate(n_tasks: int, n_workers: int, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    span_rows, box_rows, text_rows, rating_rows, texts = [], [], [], [], {}
    for task in range(n_tasks):
        words = [WORDS[i] for i in rng.integers(0, len(WORDS), 40)]
        starts = np.cumsum([0] + [len(w) + 1 for w in words[:-1]])
        texts[task] = " ".join(words)
        entities = sorted(
            rng.choice(np.arange(0, 38, 3), size=int(rng.integers(2, 4)), replace=False).tolist()
        )
        objects = rng.uniform(0, 70, (int(rng.integers(2, 5)), 2))
        sentence = [WORDS[i] for i in rng.integers(0, len(WORDS), 12)]
        rating = int(rng.integers(1, 6))
        for worker in range(n_workers):
            spans = []
            for first in entities:
                if rng.random() < 0.1:
                    continue
                last = first + 1 + int(rng.random() < 0.2)
                spans.append((int(starts[first]), int(starts[last] + len(words[last])), "PER"))
            span_rows.append((task, worker, spans))
            boxes = [
                (*(xy + rng.normal(0, 1.0, 2)).tolist(), 20.0, 15.0, "car" if rng.random() < 0.9 else "bus")
                for xy in objects
                if rng.random() > 0.1
            ]
            box_rows.append((task, worker, boxes))
            tokens = []
            for word in sentence:
                r = rng.random()
                if r < 0.08:
                    continue
                tokens.append(WORDS[int(rng.integers(0, len(WORDS)))] if r < 0.16 else word)
            text_rows.append((task, worker, " ".join(tokens)))
            rating_rows.append((task, worker, int(np.clip(rating + rng.choice([-1, 0, 0, 0, 1]), 1, 5))))
    return {
        "spans": pd.DataFrame(span_rows, columns=["task", "worker", "spans"]),
        "boxes": pd.DataFrame(box_rows, columns=["task", "worker", "boxes"]),
        "texts": pd.DataFrame(text_rows, columns=["task", "worker", "text"]),
        "ratings": pd.DataFrame(rating_rows, columns=["task", "worker", "label"]),
        "task_texts": texts,
    }


def best_of(repeat: int, fit: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fit()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    data = simulate(args.tasks, args.workers)
    answers = args.tasks * args.workers
    print(f"{args.tasks:,} tasks x {args.workers} workers = {answers:,} answers per kind")
    print(f"{'estimator':<34} {'seconds':>8} {'answers/s':>10}")
    runs: list[tuple[str, Callable[[], Any]]] = [
        (
            "SpanVote (tokens of the text)",
            lambda: quality.SpanVote().fit(data["spans"], texts=data["task_texts"]),
        ),
        ("SpanVote (per character)", lambda: quality.SpanVote().fit(data["spans"])),
        ("BoxVote", lambda: quality.BoxVote().fit(data["boxes"])),
        ("ROVER", lambda: quality.ROVER().fit(data["texts"])),
        ("RatingAggregator mean", lambda: quality.RatingAggregator().fit(data["ratings"])),
        ("RatingAggregator median", lambda: quality.RatingAggregator(method="median").fit(data["ratings"])),
        ("RatingAggregator ds", lambda: quality.RatingAggregator(method="ds").fit(data["ratings"])),
    ]
    results = {}
    for name, fit in runs:
        seconds, results[name] = best_of(args.repeat, fit)
        print(f"{name:<34} {seconds:>8.3f} {answers / seconds:>10,.0f}")
    from crowdkit.aggregation import ROVER as CrowdKitROVER

    ordered = data["texts"].sort_values(["task", "worker"])
    theirs_model = CrowdKitROVER(tokenizer=lambda s: s.split(), detokenizer=" ".join)
    seconds, theirs = best_of(1, lambda: theirs_model.fit_predict(ordered))
    ours = results["ROVER"].texts_
    same = float((ours.to_numpy() == theirs.loc[ours.index].to_numpy()).mean())
    print(f"{'crowd-kit ROVER':<34} {seconds:>8.3f} {answers / seconds:>10,.0f}   same texts: {same:.2%}")


if __name__ == "__main__":
    main()
