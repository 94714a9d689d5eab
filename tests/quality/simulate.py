"""Simulated crowds: workers of known accuracy answering tasks with known truth, as a vote frame."""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate(n_tasks: int, n_workers: int, overlap: int, n_classes: int, seed: int = 0) -> pd.DataFrame:
    """Each task gets `overlap` distinct workers; worker accuracy spread from 0.35 to 0.95; wrong answers uniform."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_tasks)
    accuracy = rng.uniform(0.35, 0.95, n_workers)
    workers = np.argsort(rng.random((n_tasks, n_workers)), axis=1)[:, :overlap]
    tasks = np.repeat(np.arange(n_tasks), overlap)
    workers = workers.ravel()
    right = rng.random(len(tasks)) < accuracy[workers]
    noise = (truth[tasks] + rng.integers(1, max(n_classes, 2), len(tasks))) % n_classes
    labels = np.where(right, truth[tasks], noise)
    return pd.DataFrame(
        {"task": [f"t{t}" for t in tasks], "worker": [f"w{w}" for w in workers], "label": labels}
    )
