"""Data shared by the label-studio-sdk compatibility tests.

The import payload mixes flat data dicts with structured ``{data, annotations, predictions, meta}`` items so
that both import code paths are exercised; :class:`ImportPlan` records what the server should end up holding.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

LABEL_CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text">'
    '<Choice value="positive"/><Choice value="negative"/>'
    "</Choices></View>"
)
# Not well-formed XML (the <Text> element is never closed).
MALFORMED_CONFIG = (
    '<View><Text name="text" value="$text">'
    '<Choices name="sentiment" toName="text"><Choice value="positive"/></Choices></View>'
)
# Well-formed, but the control tag points at an object tag that does not exist.
DANGLING_CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="nowhere"><Choice value="positive"/></Choices></View>'
)

N_TASKS = 250
PAGE_SIZE = 100
# Comfortably inside a signed 32-bit integer column, but never a real id in a test database.
MISSING_ID = 2_000_000_000


def unique_title(label: str) -> str:
    return f"compat {label} {uuid.uuid4().hex[:10]}"


def choices_result(label: str, region_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": region_id,
            "from_name": "sentiment",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [label]},
        }
    ]


def canon(results: list[Any]) -> list[str]:
    """Order-insensitive, key-order-insensitive form of a list of results (or of result lists)."""
    return sorted(json.dumps(r, sort_keys=True) for r in results)


@dataclass
class ExpectedTask:
    text: str
    meta: dict[str, Any] | None = None
    annotations: list[list[dict[str, Any]]] = field(default_factory=list)
    predictions: list[list[dict[str, Any]]] = field(default_factory=list)


@dataclass
class ImportPlan:
    items: list[dict[str, Any]]
    tasks: dict[str, ExpectedTask]  # keyed by data["text"], which is unique within a plan

    @property
    def n_annotations(self) -> int:
        return sum(len(t.annotations) for t in self.tasks.values())

    @property
    def n_predictions(self) -> int:
        return sum(len(t.predictions) for t in self.tasks.values())

    @property
    def n_tasks_with_annotations(self) -> int:
        return sum(1 for t in self.tasks.values() if t.annotations)

    def unannotated_texts(self) -> list[str]:
        return sorted(text for text, t in self.tasks.items() if not t.annotations)

    def annotated_texts(self) -> list[str]:
        return sorted(text for text, t in self.tasks.items() if t.annotations)


def build_import(n: int = N_TASKS) -> ImportPlan:
    """Build ``n`` import items.

    * i % 10 == 0: ``{data, annotations, predictions, meta}`` (1 annotation, 2 when i % 50 == 0, 1 prediction)
    * i % 10 == 5: ``{data, predictions, meta}``
    * i % 10 == 3: ``{data, meta}``
    * otherwise: a flat data dict ``{"text": ...}``
    """
    items: list[dict[str, Any]] = []
    tasks: dict[str, ExpectedTask] = {}
    for i in range(n):
        text = f"compat item {i:04d}"
        label = "positive" if (i // 10) % 2 == 0 else "negative"
        other = "negative" if label == "positive" else "positive"
        expected = ExpectedTask(text=text)
        if i % 10 in (0, 3, 5):
            item: dict[str, Any] = {"data": {"text": text}, "meta": {"source": "structured", "i": i}}
            expected.meta = item["meta"]
            if i % 10 == 0:
                annotations = [{"result": choices_result(label, f"imp-a{i}"), "lead_time": 2.5}]
                if i % 50 == 0:
                    annotations.append({"result": choices_result(other, f"imp-b{i}"), "lead_time": 1.0})
                item["annotations"] = annotations
                expected.annotations = [a["result"] for a in annotations]
            if i % 10 in (0, 5):
                prediction = {
                    "result": choices_result(label, f"imp-p{i}"),
                    "score": 0.75,
                    "model_version": "imp-v1",
                }
                item["predictions"] = [prediction]
                expected.predictions = [prediction["result"]]
        else:
            item = {"text": text}
        items.append(item)
        tasks[text] = expected
    return ImportPlan(items=items, tasks=tasks)
