"""What the built-in classifier learns: the config's first Choices over a Text or HyperText object, and
one label (or label set) per task from the examples.

Why one answer per task, ground truth first: a task several people labeled must count once, with the most
trusted answer. The examples come in that order of trust (`ml/builtin/examples.py`): ground-truth
annotations, then consensus labels, then every submitted annotation; a task's answer is its ground truth
when it has one, else the majority of what is left (the first seen wins a tie, so a consensus, which comes
alone, decides).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labelwise import labeling
from labelwise.ml.builtin.features import plain
from labelwise.ml.contract import Example, ModelError

TEXT_OBJECTS = ("text", "hypertext")


@dataclass(frozen=True)
class Target:
    control: str
    object: str
    value_key: str
    hypertext: bool
    multiple: bool
    options: tuple[str, ...]  # the values a result carries (an option's alias when it has one)

    def text_of(self, data: Mapping[str, Any]) -> str:
        return plain(data.get(self.value_key), self.hypertext)

    def result(self, labels: Sequence[str]) -> list[dict[str, Any]]:
        """Label Studio's result list choosing `labels`."""
        return [
            {
                "from_name": self.control,
                "to_name": self.object,
                "type": "choices",
                "value": {"choices": list(labels)},
            }
        ]

    def labels_in(self, result: Sequence[Mapping[str, Any]]) -> tuple[str, ...] | None:
        """The labels a result chooses for this control (sorted for multiple choice), None when none."""
        for item in result:
            if not isinstance(item, Mapping) or item.get("from_name") != self.control:
                continue
            value = item.get("value")
            chosen = value.get("choices") if isinstance(value, Mapping) else None
            if isinstance(chosen, list):
                found = [c for c in chosen if isinstance(c, str)]
                if found:
                    return tuple(sorted(set(found))) if self.multiple else (found[0],)
        return None


def find(label_config: str) -> Target:
    """The target of a config; ModelError saying why there is none."""
    try:
        schema = labeling.parse_config(label_config)
    except labeling.ConfigError as exc:
        raise ModelError(f"the labeling config is not valid: {exc}") from None
    for name, control in schema.controls.items():
        if control.type != "choices" or control.per_region:
            continue
        for object_name in control.to_name:
            obj = schema.objects.get(object_name)
            if obj is None or obj.type not in TEXT_OBJECTS or not obj.value_key:
                continue
            options = tuple(o.result_value for o in control.options)
            return Target(
                name, obj.name, obj.value_key, obj.type == "hypertext", control.choice == "multiple", options
            )
    raise ModelError(
        "the built-in classifier needs a <Choices> over a <Text> or <HyperText> in the labeling config"
    )


def answers(target: Target, examples: Sequence[Example]) -> dict[int, tuple[tuple[str, ...], str]]:
    """Per task id, its answer and the task's text, in the order tasks first appear."""
    texts: dict[int, str] = {}
    truth: dict[int, tuple[str, ...]] = {}
    votes: dict[int, Counter[tuple[str, ...]]] = {}
    for example in examples:
        labels = target.labels_in(example.result)
        task_id = example.task.get("id")
        if labels is None or not isinstance(task_id, int):
            continue
        if task_id not in texts:
            data = example.task.get("data")
            texts[task_id] = target.text_of(data if isinstance(data, Mapping) else {})
        if example.ground_truth:
            truth.setdefault(task_id, labels)
        else:
            votes.setdefault(task_id, Counter())[labels] += 1
    out: dict[int, tuple[tuple[str, ...], str]] = {}
    for task_id, text in texts.items():
        chosen = truth.get(task_id)
        if chosen is None:
            chosen = votes[task_id].most_common(1)[0][0]  # Counter keeps first-seen order among ties
        out[task_id] = (chosen, text)
    return out
