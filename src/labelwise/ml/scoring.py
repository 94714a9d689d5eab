"""Scoring a model's answers against a reference: the pieces shared by prompt evaluations
(`ml/llm/evaluation.py`) and the comparison of stored model versions (`ml/versions.py`).

Why one module: both read "the answer of a result for one control" the same way (`quality.votes_from_tasks`),
code labels as strings the same way, take the same human majority vote and the same span F1, so a prompt's
accuracy on the Prompt page and a version's accuracy on the Models page can never drift apart. Pure: plain
dicts in, plain dicts out, no database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from labelwise.labeling import ControlTag
from labelwise.quality import MajorityVote, votes_from_tasks

Span = tuple[int, int, tuple[str, ...]]


def key(label: Any) -> str:
    """Labels as strings, so lists and tuples (several choices, taxonomy paths) code like single labels."""
    return label if isinstance(label, str) else json.dumps(label, sort_keys=True, default=list)


def answers(tasks: Iterable[Mapping[str, Any]], control: str) -> dict[Any, str]:
    """Per task, the coded answer for `control` of its annotations or predictions (the last one wins)."""
    columns = votes_from_tasks(tasks, control, include_predictions=True)
    return {task: key(label) for task, label in zip(columns["task"], columns["label"], strict=True)}


def answer(result: Sequence[Mapping[str, Any]], control: str) -> str | None:
    """The coded answer of one result list for `control`, or None when it has none."""
    return answers([{"id": 0, "predictions": [{"result": result}]}], control).get(0)


def majority(tasks: Iterable[Mapping[str, Any]], control: str) -> dict[Any, str]:
    """Per task, the majority vote of its annotations (`completed_by` as the worker) for `control`."""
    human = votes_from_tasks(tasks, control)
    if not human["task"]:
        return {}
    mv = MajorityVote().fit((human["task"], human["worker"], [key(v) for v in human["label"]]))
    return dict(zip(mv.tasks_.tolist(), mv.labels_.tolist(), strict=True))


def spans(result: Iterable[Mapping[str, Any]], control: str) -> list[Span]:
    out = []
    for item in result:
        value = item.get("value") or {}
        if item.get("from_name") == control and "start" in value and "end" in value:
            out.append((int(value["start"]), int(value["end"]), tuple(value.get("labels") or ())))
    return out


def latest_truth(annotations: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The latest ground-truth annotation of a task (annotations in id order), as a one-item list."""
    found = [a for a in annotations if a.get("ground_truth")]
    return found[-1:]


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def label_order(control: ControlTag) -> list[str]:
    """The config's labels in config order, as `key` codes them (single choices: the value itself)."""
    return [option.result_value for option in control.options]


def per_label(
    reference: Mapping[Any, str], predicted: Mapping[Any, str | None], order: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Per label: `support` (tasks whose reference is that label), `recall` (share of them predicted right)
    and `precision` (of the tasks predicted that label, share right). The tasks are those of `reference`;
    a task missing from `predicted` (or None there) counts as answered wrong.

    Labels in `order` come first, in that order (those neither in the reference nor predicted are left
    out), then any other label by support, most first, then by name."""
    support: dict[str, int] = {}
    right: dict[str, int] = {}
    guessed: dict[str, int] = {}
    for task, truth in reference.items():
        support[truth] = support.get(truth, 0) + 1
        got = predicted.get(task)
        if got is None:
            continue
        guessed[got] = guessed.get(got, 0) + 1
        if got == truth:
            right[truth] = right.get(truth, 0) + 1
    seen = set(support) | set(guessed)
    known = [label for label in dict.fromkeys(order) if label in seen]
    rest = sorted(seen - set(known), key=lambda label: (-support.get(label, 0), label))
    return [
        {
            "label": label,
            "support": support.get(label, 0),
            "recall": ratio(right.get(label, 0), support.get(label, 0)),
            "precision": ratio(right.get(label, 0), guessed.get(label, 0)),
        }
        for label in known + rest
    ]
