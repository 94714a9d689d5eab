"""The typed form of a labeling config.

Everything downstream (result validation, the editor, exporters, the quality engine) reads this instead of
the XML, so the XML is parsed and checked once. `to_json` is what the browser receives, so it must stay plain
data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Option:
    """One choice, label, relation label or ranker bucket; `children` nests taxonomy choices."""

    value: str
    alias: str | None = None
    hotkey: str | None = None
    background: str | None = None
    selected: bool = False
    hint: str | None = None
    children: tuple[Option, ...] = ()
    attrs: dict[str, str] = field(default_factory=dict)
    line: int | None = None

    @property
    def result_value(self) -> str:
        """LS writes the alias into results when one is set, the value otherwise."""
        return self.alias if self.alias is not None else self.value

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "alias": self.alias,
            "hotkey": self.hotkey,
            "background": self.background,
            "selected": self.selected,
            "hint": self.hint,
            "children": [child.to_json() for child in self.children],
            "attrs": dict(self.attrs),
            "line": self.line,
        }


@dataclass(frozen=True)
class ObjectTag:
    """A tag that shows task data (`Text`, `Image`...); `type` is the lower-case name LS writes in results."""

    name: str
    type: str
    tag: str
    value_key: str | None
    value_list_key: str | None = None
    value: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    line: int | None = None

    @property
    def value_type(self) -> str:
        """`url` when the data holds a link to the content rather than the content itself."""
        return self.attrs.get("valueType", "").lower() or "text"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "tag": self.tag,
            "value_key": self.value_key,
            "value_list_key": self.value_list_key,
            "value": self.value,
            "attrs": dict(self.attrs),
            "line": self.line,
        }


@dataclass(frozen=True)
class ControlTag:
    """A tag that produces results; behavioural attributes are typed, the rest stay in `attrs`."""

    name: str
    type: str
    tag: str
    to_name: tuple[str, ...]
    options: tuple[Option, ...] = ()
    choice: str = "single"
    show_inline: bool = False
    required: bool = False
    per_region: bool = False
    visible_when: str | None = None
    when_tag_name: str | None = None
    when_choice_value: str | None = None
    when_label_value: str | None = None
    max_usages: int | None = None
    granularity: str | None = None
    max_rating: int | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    rows: int | None = None
    editable: bool = False
    placeholder: str | None = None
    hotkey: str | None = None
    leafs_only: bool = False
    options_key: str | None = None
    result_types: tuple[str, ...] = ()
    option_values: frozenset[str] = frozenset()
    attrs: dict[str, str] = field(default_factory=dict)
    line: int | None = None

    @property
    def dynamic_options(self) -> bool:
        """Options come from task data (`<Choices value="$options">`): they cannot be checked statically."""
        return self.options_key is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "tag": self.tag,
            "to_name": list(self.to_name),
            "options": [option.to_json() for option in self.options],
            "choice": self.choice,
            "show_inline": self.show_inline,
            "required": self.required,
            "per_region": self.per_region,
            "visible_when": self.visible_when,
            "when_tag_name": self.when_tag_name,
            "when_choice_value": self.when_choice_value,
            "when_label_value": self.when_label_value,
            "max_usages": self.max_usages,
            "granularity": self.granularity,
            "max_rating": self.max_rating,
            "min": self.min,
            "max": self.max,
            "step": self.step,
            "rows": self.rows,
            "editable": self.editable,
            "placeholder": self.placeholder,
            "hotkey": self.hotkey,
            "leafs_only": self.leafs_only,
            "options_key": self.options_key,
            "result_types": list(self.result_types),
            "attrs": dict(self.attrs),
            "line": self.line,
        }


@dataclass(frozen=True)
class LayoutNode:
    """One element of the view as written, so a UI can render the config's arrangement later."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: tuple[LayoutNode, ...] = ()
    text: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "attrs": dict(self.attrs),
            "text": self.text,
            "line": self.line,
            "children": [child.to_json() for child in self.children],
        }


@dataclass(frozen=True)
class Schema:
    """A parsed config. Instances are cached and shared: treat them (and their dicts) as read-only."""

    objects: dict[str, ObjectTag]
    controls: dict[str, ControlTag]
    relations: tuple[Option, ...]
    layout: LayoutNode
    data_keys: tuple[str, ...]
    required_data_keys: tuple[str, ...]
    has_relations_tag: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "objects": {name: tag.to_json() for name, tag in self.objects.items()},
            "controls": {name: tag.to_json() for name, tag in self.controls.items()},
            "relations": [option.to_json() for option in self.relations],
            "has_relations_tag": self.has_relations_tag,
            "layout": self.layout.to_json(),
            "data_keys": list(self.data_keys),
            "required_data_keys": list(self.required_data_keys),
        }
