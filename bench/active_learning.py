#!/usr/bin/env python3
"""Active learning with the built-in classifier: accuracy against the number of labels, random versus
uncertainty sampling (least confidence, margin, entropy).

    PYTHONPATH=src .venv/bin/python bench/active_learning.py [--pool 3000] [--test 1000] [--start 20]
        [--step 40] [--until 420] [--classes 4] [--seeds 2]

A simulated labeling run on a generated text data set (tests/support/texts.py: topic words of
neighbouring classes confused, label noise; nothing downloaded): start from `--start` random labels, then
after each retraining label the `--step` tasks the strategy picks from the unlabeled pool (random: any; the
others: the lowest certainty from `labelwise.ml.uncertainty`, which is how the uncertainty queue orders
tasks), and score the model on a held-out set. The classifier is the product's (`ml/builtin/classifier.py`,
3 folds for its calibration here to keep the run short). Prints a table per strategy, the mean over seeds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.support import texts  # noqa: E402

from labelwise.ml import uncertainty  # noqa: E402
from labelwise.ml.builtin.classifier import Classifier  # noqa: E402

STRATEGIES = ("random", "least_confidence", "margin", "entropy")


def _accuracy(model: Classifier, x: list[str], y: list[str]) -> float:
    predicted = [labels[0] for labels in model.decide(model.predict_proba(x))]
    return float(np.mean([p == t for p, t in zip(predicted, y, strict=True)]))


def run(strategy: str, seed: int, args: argparse.Namespace) -> list[tuple[int, float]]:
    every, answers = texts.make(args.pool + args.test, classes=args.classes, seed=seed)
    pool, pool_y = every[: args.pool], answers[: args.pool]
    test, test_y = every[args.pool :], answers[args.pool :]
    rng = np.random.default_rng(seed + 1000)
    labeled = list(rng.choice(args.pool, size=args.start, replace=False))
    out: list[tuple[int, float]] = []
    while True:
        model = Classifier(folds=3, seed=seed).fit(
            [pool[i] for i in labeled], [[pool_y[i]] for i in labeled], multiple=False
        )
        out.append((len(labeled), _accuracy(model, test, test_y)))
        if len(labeled) >= args.until:
            return out
        taken = set(labeled)
        rest = np.array([i for i in range(args.pool) if i not in taken])
        if strategy == "random":
            picked = rng.choice(rest, size=min(args.step, len(rest)), replace=False)
        else:
            scores = uncertainty.certainty(model.predict_proba([pool[i] for i in rest]), strategy)  # type: ignore[arg-type]
            picked = rest[uncertainty.most_uncertain(scores, args.step)]
        labeled += [int(i) for i in picked]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pool", type=int, default=3000)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--start", type=int, default=20)
    p.add_argument("--step", type=int, default=40)
    p.add_argument("--until", type=int, default=420)
    p.add_argument("--classes", type=int, default=4)
    p.add_argument("--seeds", type=int, default=2)
    args = p.parse_args()
    table: dict[str, list[list[tuple[int, float]]]] = {s: [] for s in STRATEGIES}
    for seed in range(args.seeds):
        for strategy in STRATEGIES:
            table[strategy].append(run(strategy, seed, args))
    counts = [n for n, _ in table["random"][0]]
    print("| labels | " + " | ".join(STRATEGIES) + " |")
    print("|---|" + "---|" * len(STRATEGIES))
    for row, n in enumerate(counts):
        cells = [f"{np.mean([r[row][1] for r in table[s]]):.3f}" for s in STRATEGIES]
        print(f"| {n} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
