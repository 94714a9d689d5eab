"""The real crowd data sets in ../shared/data/crowd as long-format vote frames with their gold answers."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[3] / "shared" / "data" / "crowd"
if not ROOT.exists():  # a worktree lives beside main; the data sits beside the repository
    ROOT = Path("/work/shared/data/crowd")

SETS = ("rte", "temp", "wsd", "bluebirds")


@cache
def load(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """(votes with task, worker, label as strings; gold label per task)."""
    if name == "bluebirds":
        labels = yaml.safe_load((ROOT / "bluebirds-labels.yaml").read_text())
        gold = yaml.safe_load((ROOT / "bluebirds-gt.yaml").read_text())
        rows = [(str(t), str(w), str(v)) for w, answers in labels.items() for t, v in answers.items()]
        votes = pd.DataFrame(rows, columns=["task", "worker", "label"])
        return votes, pd.Series({str(t): str(v) for t, v in gold.items()}, name="gold")
    path = ROOT / f"snow2008-{name}.csv"
    delimiter = "\t" if name == "wsd" else ","
    with path.open(newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f, delimiter=delimiter))
    votes = pd.DataFrame(
        [(r["orig_id"], r["!amt_worker_ids"], r["response"]) for r in records],
        columns=["task", "worker", "label"],
    )
    gold = pd.Series({r["orig_id"]: r["gold"] for r in records}, name="gold")
    return votes, gold
