"""The project the queue benchmarks label: one text, two choices, and the answer every annotator gives.

Shared so that bench/team_queue.py, bench/queue_rules.py and bench/hot_path.py measure the same work."""

from __future__ import annotations

from typing import Any

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="c" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>'
)
RESULT: list[dict[str, Any]] = [
    {"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": ["a"]}}
]
