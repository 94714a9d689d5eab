"""A model's reply read as an answer, then mapped to Label Studio results that pass our own validation.

Replies are often not clean JSON: fenced in ```json blocks, followed by an explanation, written with single
quotes. `extract` tries strict JSON first, then the fenced block, then the first balanced object, then Python
literal syntax (through `ast.literal_eval`, which evaluates literals only, never code).

Mapping is forgiving in what it matches and strict in what it writes: an option is matched case-insensitively
to the config's spelling; a quoted span is searched in the task text and every occurrence is labeled (the
model quotes words, not positions), exactly first, case-insensitively otherwise; a value that fits nothing is
dropped with a reason, never written. Every region is then checked with `labeling.validate_result`.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

from labelwise import labeling
from labelwise.labeling import ControlTag, Option, Schema
from labelwise.ml.llm import schema as answers

MAX_REPLY_CHARS = 200_000
MAX_OCCURRENCES = 100
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_LITERALS = re.compile(r"\b(true|false|null)\b")


class Unparsable(ValueError):
    """The reply holds no JSON object we could read."""


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    try:
        return json.JSONDecoder().raw_decode(text)[0]
    except (ValueError, RecursionError):
        pass
    python = _LITERALS.sub(lambda m: {"true": "True", "false": "False", "null": "None"}[m.group(1)], text)
    try:
        return ast.literal_eval(python)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def extract(reply: str) -> dict[str, Any]:
    """The first JSON object in `reply`; Unparsable when there is none."""
    text = reply.strip()[:MAX_REPLY_CHARS]
    candidates = [text, *(m.group(1).strip() for m in _FENCE.finditer(text))]
    start = text.find("{")
    if start >= 0:
        candidates.append(text[start:])
        end = text.rfind("}")
        if end > start:
            candidates.append(text[start : end + 1])
    for candidate in candidates:
        if not candidate.startswith("{"):
            continue
        found = _loads(candidate)
        if isinstance(found, dict):
            return found
    raise Unparsable(f"the reply is not a JSON object: {_short(reply)}")


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 3] + "...")


def _show(raw: Any) -> str:
    """A value from the reply, for a reason: strings quoted, the rest as JSON."""
    if isinstance(raw, str):
        return _short(raw)
    try:
        return _short(json.dumps(raw, ensure_ascii=False)).strip("'\"")
    except (TypeError, ValueError):
        return type(raw).__name__


def _option_index(options: tuple[Option, ...]) -> dict[str, str]:
    index: dict[str, str] = {}
    for option in options:
        for name in (option.value, option.alias):
            if name is not None:
                index.setdefault(name.casefold().strip(), option.result_value)
    return index


def _region(control: ControlTag, rtype: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex[:10],
        "from_name": control.name,
        "to_name": control.to_name[0],
        "type": rtype,
        "origin": "prediction",
        "value": value,
    }


class Mapper:
    """Maps one answer to results for one task; `reasons` says what was dropped and why."""

    def __init__(self, schema: Schema, data: Mapping[str, Any]) -> None:
        self.schema = schema
        self.data = data
        self.reasons: list[str] = []

    def drop(self, control: ControlTag, why: str) -> None:
        self.reasons.append(f"{control.name}: {why}")

    def results(self, answer: Mapping[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for control in answers.controls(self.schema):
            if control.name not in answer or answer[control.name] in (None, "", []):
                continue
            raw = answer[control.name]
            mapped = getattr(self, "_" + control.type)(control, raw)
            for region in mapped:
                try:
                    labeling.validate_result(self.schema, self.data, [region])
                except labeling.InvalidResult as exc:
                    self.drop(control, f"not a valid result ({exc})")
                    continue
                out.append(region)
        return out

    def _choices(self, control: ControlTag, raw: Any) -> list[dict[str, Any]]:
        given = raw if isinstance(raw, list) else [raw]
        index = _option_index(control.options)
        picked: list[str] = []
        for value in given:
            if not isinstance(value, str):
                self.drop(control, f"{_show(value)} is not a string")
                continue
            if control.dynamic_options:
                picked.append(value)
                continue
            match = index.get(value.casefold().strip())
            if match is None:
                self.drop(control, f"{_short(value)} is not an option")
            elif match not in picked:
                picked.append(match)
        if not picked:
            return []
        if control.choice != "multiple" and len(picked) > 1:
            self.drop(control, f"one choice allowed, {len(picked)} given; kept {picked[0]!r}")
            picked = picked[:1]
        return [_region(control, "choices", {"choices": picked})]

    def _labels(self, control: ControlTag, raw: Any) -> list[dict[str, Any]]:
        obj = self.schema.objects[control.to_name[0]]
        text = self.data.get(obj.value_key) if obj.value_key else None
        if not isinstance(text, str):
            self.drop(control, "the task has no text to find spans in")
            return []
        index = _option_index(control.options)
        out: list[dict[str, Any]] = []
        seen: set[tuple[int, int, str]] = set()
        for span in raw if isinstance(raw, list) else [raw]:
            if not isinstance(span, Mapping) or not isinstance(span.get("text"), str):
                self.drop(control, f"{_show(span)} is not a {{text, label}} object")
                continue
            label = index.get(str(span.get("label", "")).casefold().strip())
            if label is None:
                self.drop(control, f"{_show(span.get('label'))} is not a label")
                continue
            found = find_all(text, span["text"])
            if not found:
                self.drop(control, f"{_short(span['text'])} does not occur in the text")
            for start, end in found:
                if (start, end, label) in seen:
                    continue
                seen.add((start, end, label))
                value = {"start": start, "end": end, "text": text[start:end], "labels": [label]}
                out.append(_region(control, "labels", value))
        return out

    def _textarea(self, control: ControlTag, raw: Any) -> list[dict[str, Any]]:
        lines = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(line, str | int | float) and not isinstance(line, bool) for line in lines):
            self.drop(control, "the answer is not text")
            return []
        return [_region(control, "textarea", {"text": [str(line) for line in lines]})]

    def _rating(self, control: ControlTag, raw: Any) -> list[dict[str, Any]]:
        number = _number(raw)
        top = control.max_rating or 5
        if number is None or not number.is_integer() or not 1 <= number <= top:
            self.drop(control, f"{_show(raw)} is not an integer from 1 to {top}")
            return []
        return [_region(control, "rating", {"rating": int(number)})]

    def _number(self, control: ControlTag, raw: Any) -> list[dict[str, Any]]:
        number = _number(raw)
        if number is None:
            self.drop(control, f"{_show(raw)} is not a number")
            return []
        if (control.min is not None and number < control.min) or (
            control.max is not None and number > control.max
        ):
            self.drop(control, f"{number:g} is out of range")
            return []
        return [_region(control, "number", {"number": int(number) if number.is_integer() else number})]

    def _taxonomy(self, control: ControlTag, raw: Any) -> list[dict[str, Any]]:
        paths = raw if isinstance(raw, list) else [raw]
        if paths and all(isinstance(node, str) for node in paths):
            paths = [paths]  # one path given flat: ["Europe", "France"]
        picked: list[list[str]] = []
        for path in paths:
            walked = self._walk(control, path)
            if walked is not None and walked not in picked:
                picked.append(walked)
        return [_region(control, "taxonomy", {"taxonomy": picked})] if picked else []

    def _walk(self, control: ControlTag, path: Any) -> list[str] | None:
        if isinstance(path, str):
            path = [path]
        if not isinstance(path, list) or not path or not all(isinstance(node, str) for node in path):
            self.drop(control, f"{_show(path)} is not a path of names")
            return None
        level, walked = control.options, []
        for node in path:
            found = next(
                (
                    o
                    for o in level
                    if node.casefold().strip() in {n.casefold() for n in (o.value, o.alias) if n}
                ),
                None,
            )
            if found is None:
                self.drop(control, f"{_short(' / '.join(path))} is not a path of the taxonomy")
                return None
            walked.append(found.value)
            level = found.children
        return walked


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return value if value == value and abs(value) != float("inf") else None


def find_all(text: str, quote: str) -> list[tuple[int, int]]:
    """Every non-overlapping occurrence of `quote` in `text` as code-point offsets: exact matches, else
    case-insensitive ones; at most MAX_OCCURRENCES."""
    quote = quote.strip()
    if not quote:
        return []
    found: list[tuple[int, int]] = []
    start = text.find(quote)
    while start >= 0 and len(found) < MAX_OCCURRENCES:
        found.append((start, start + len(quote)))
        start = text.find(quote, start + len(quote))
    if found:
        return found
    pattern = re.compile(re.escape(quote), re.IGNORECASE)
    for match in pattern.finditer(text):
        if len(found) >= MAX_OCCURRENCES:
            break
        found.append((match.start(), match.end()))
    return found


def to_results(schema: Schema, data: Mapping[str, Any], reply: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(results, reasons for what was dropped); Unparsable when the reply has no JSON object."""
    mapper = Mapper(schema, data)
    return mapper.results(extract(reply)), mapper.reasons
