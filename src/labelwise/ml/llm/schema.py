"""The JSON answer an LLM must give for a labeling config, and the same answer read back from a result.

Why one object keyed by control name: it is the smallest shape that covers every supported control at once,
a JSON schema can describe it exactly (`response_format` of type `json_schema`), and a result list maps to it
and back without loss, which is what few-shot examples need (`answer_of`).

Supported controls: Choices (single and multiple), Labels on Text (spans quoted as text), TextArea, Rating,
Number and Taxonomy (paths from the top). Others (regions on images, per-region controls) are left out: the
model is not asked about them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from labelwise.labeling import ControlTag, Option, Schema

SUPPORTED = ("choices", "labels", "textarea", "rating", "number", "taxonomy")


def controls(schema: Schema) -> list[ControlTag]:
    """The controls an LLM answers, in config order."""
    out = []
    for control in schema.controls.values():
        if control.type not in SUPPORTED or control.per_region or not control.to_name:
            continue
        if control.type == "labels" and not _on_text(schema, control):
            continue
        out.append(control)
    return out


def _on_text(schema: Schema, control: ControlTag) -> bool:
    obj = schema.objects.get(control.to_name[0])
    return obj is not None and obj.type == "text" and obj.value_type != "url"


def values(options: Sequence[Option]) -> list[str]:
    return [option.result_value for option in options]


def _taxonomy_lines(options: Sequence[Option], depth: int = 0) -> list[str]:
    lines = []
    for option in options:
        lines.append("  " * depth + "- " + option.result_value)
        lines.extend(_taxonomy_lines(option.children, depth + 1))
    return lines


def describe(control: ControlTag) -> str:
    """The options of one control as prompt text (what `{labels}` becomes)."""
    if control.type == "taxonomy":
        return "\n".join(_taxonomy_lines(control.options))
    if control.type == "rating":
        return f"an integer from 1 to {control.max_rating or 5}"
    if control.type == "number":
        low = "" if control.min is None else f" from {control.min:g}"
        high = "" if control.max is None else f" up to {control.max:g}"
        return f"a number{low}{high}"
    if control.type == "textarea":
        return "free text"
    return ", ".join(values(control.options))


def property_schema(control: ControlTag) -> dict[str, Any]:
    names = values(control.options)
    option: dict[str, Any] = {"type": "string", "enum": names} if names else {"type": "string"}
    if control.type == "choices":
        if control.choice == "multiple":
            return {"type": "array", "items": option}
        return option
    if control.type == "labels":
        span = {
            "type": "object",
            "properties": {"text": {"type": "string"}, "label": option},
            "required": ["text", "label"],
        }
        return {"type": "array", "items": span}
    if control.type == "rating":
        return {"type": "integer", "minimum": 1, "maximum": control.max_rating or 5}
    if control.type == "number":
        number: dict[str, Any] = {"type": "number"}
        if control.min is not None:
            number["minimum"] = control.min
        if control.max is not None:
            number["maximum"] = control.max
        return number
    if control.type == "taxonomy":
        return {"type": "array", "items": {"type": "array", "items": {"type": "string"}}}
    return {"type": "string"}


def answer_schema(schema: Schema) -> dict[str, Any]:
    """The JSON schema of the whole answer."""
    answered = controls(schema)
    return {
        "type": "object",
        "properties": {control.name: property_schema(control) for control in answered},
        "required": [control.name for control in answered if control.required],
        "additionalProperties": False,
    }


def instructions(schema: Schema) -> str:
    """The system message: what to answer and in which shape."""
    lines = ["Answer with one JSON object and nothing else. Its keys:"]
    for control in controls(schema):
        if control.type == "choices":
            many = "a list of" if control.choice == "multiple" else "exactly one of"
            lines.append(f'- "{control.name}": {many} {describe(control)}')
        elif control.type == "labels":
            lines.append(
                f'- "{control.name}": a list of {{"text": <exact words from the text>, "label": <one of '
                f"{describe(control)}>}}"
            )
        elif control.type == "taxonomy":
            lines.append(
                f'- "{control.name}": a list of paths, each a list of names from the top of this tree:\n'
                + describe(control)
            )
        else:
            lines.append(f'- "{control.name}": {describe(control)}')
    return "\n".join(lines)


def answer_of(schema: Schema, result: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A Label Studio result list as the answer the model is asked for (for few-shot examples)."""
    wanted = {control.name: control for control in controls(schema)}
    answer: dict[str, Any] = {}
    for item in result:
        control = wanted.get(str(item.get("from_name")))
        value = item.get("value")
        if control is None or not isinstance(value, Mapping):
            continue
        if control.type == "choices" and isinstance(value.get("choices"), list):
            picked = [str(v) for v in value["choices"]]
            answer[control.name] = picked if control.choice == "multiple" else (picked[0] if picked else None)
        elif control.type == "labels" and isinstance(value.get("labels"), list) and value["labels"]:
            span = {"text": value.get("text", ""), "label": value["labels"][0]}
            answer.setdefault(control.name, []).append(span)
        elif control.type == "textarea" and "text" in value:
            text = value["text"]
            answer[control.name] = "\n".join(text) if isinstance(text, list) else text
        elif control.type in ("rating", "number", "taxonomy") and control.type in value:
            answer[control.name] = value[control.type]
    return answer
