"""Prompt templates: `{field}` placeholders for task data, `{labels}` for the config's options.

Why a regex and not `str.format`: templates come from users, and `str.format` reads attributes and items of
its arguments (`{text.__class__}`), which must never happen on our objects. Here a placeholder is exactly
`{name}` or `{name.sub.sub}` (letters, digits, underscores); any other brace is plain text, so JSON examples in
a prompt stay as written. Values are inserted in one pass: a `{x}` inside task data is never expanded again.

Names: `{labels}` lists every answered control's options, `{labels.<control>}` one control's; any other name
is a task data key, with dots walking into nested objects (`{meta.source}`). Strings go in as they are, other
values as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labelwise.labeling import Schema
from labelwise.ml.contract import Example
from labelwise.ml.llm import schema as answers

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\}")
MAX_VALUE_CHARS = 100_000

Message = dict[str, str]


class PromptError(ValueError):
    """A template that cannot be rendered; the message names the placeholder."""


def placeholders(template: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(template)]


def check(template: str, schema: Schema, sample: Mapping[str, Any] | None = None) -> None:
    """Refuse a template with a placeholder that is neither `labels[.control]` nor a data key of the config
    (or of `sample`, a task's data, for keys the config does not read such as `{meta.x}`)."""
    if not isinstance(template, str) or not template.strip():
        raise PromptError("the prompt is empty")
    known = set(schema.data_keys) | set(sample or ())
    controls = {control.name for control in answers.controls(schema)}
    for name in placeholders(template):
        head, _, rest = name.partition(".")
        if head == "labels":
            if rest and rest not in controls:
                raise PromptError(f"{{{name}}}: the config has no control {rest!r} the model answers")
            continue
        if head not in known:
            hint = ", ".join(sorted(known)) or "none"
            raise PromptError(f"{{{name}}}: unknown placeholder (task fields: {hint}; or {{labels}})")


def _labels(schema: Schema, control_name: str) -> str:
    controls = answers.controls(schema)
    if control_name:
        return next(answers.describe(c) for c in controls if c.name == control_name)
    if len(controls) == 1:
        return answers.describe(controls[0])
    return "\n".join(f"{c.name}: {answers.describe(c)}" for c in controls)


def _field(data: Mapping[str, Any], name: str) -> str:
    value: Any = data
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise PromptError(f"{{{name}}}: the task has no field {name!r}")
        value = value[part]
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text[:MAX_VALUE_CHARS]


def render(template: str, schema: Schema, data: Mapping[str, Any]) -> str:
    """The template with every placeholder replaced; PromptError naming the first that cannot be."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        head, _, rest = name.partition(".")
        if head == "labels":
            return _labels(schema, rest)
        return _field(data, name)

    return PLACEHOLDER.sub(value, template)


@dataclass(frozen=True)
class Prompt:
    """A template bound to a config, with its few-shot examples; `messages(task)` is what is sent."""

    template: str
    schema: Schema
    examples: Sequence[Example] = ()

    def messages(self, data: Mapping[str, Any]) -> list[Message]:
        out: list[Message] = [{"role": "system", "content": answers.instructions(self.schema)}]
        for example in self.examples:
            answer = answers.answer_of(self.schema, example.result)
            out.append({"role": "user", "content": render(self.template, self.schema, example.task["data"])})
            out.append({"role": "assistant", "content": json.dumps(answer, ensure_ascii=False)})
        out.append({"role": "user", "content": render(self.template, self.schema, data)})
        return out


def few_shot(examples: Sequence[Example], count: int) -> list[Example]:
    """The first `count` examples, ground truth first (the caller's order kept otherwise)."""
    if count <= 0:
        return []
    ordered = sorted(examples, key=lambda e: not e.ground_truth)
    return [e for e in ordered if isinstance(e.task.get("data"), Mapping)][:count]


def preview(
    template: str, schema: Schema, data: Mapping[str, Any], examples: Sequence[Example] = ()
) -> list[Message]:
    """The messages a sample task would be sent with (the UI's preview); PromptError when it cannot render."""
    check(template, schema, data)
    return Prompt(template, schema, examples).messages(data)
