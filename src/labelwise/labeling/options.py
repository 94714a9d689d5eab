"""Collecting a control's options (Choice, Label, Relation, Bucket children) into `Option` trees.

Options may be grouped in `<View>`s for layout, and Taxonomy nests `Choice` inside `Choice`; both are handled
here so the parser only asks "what are this control's options".
"""

from __future__ import annotations

from lxml import etree

from labelwise.labeling.attributes import Attributes
from labelwise.labeling.document import line_of
from labelwise.labeling.schema import Option
from labelwise.labeling.tags import lookup

_ALLOW_MISSING_VALUE = frozenset({"Bucket"})


def collect(
    element: etree._Element, control: Attributes, option_tag: str, nested: bool
) -> tuple[Option, ...]:
    """Read option children of `element`, looking through layout `<View>`s, and refuse duplicate values."""
    options: list[Option] = []
    for child in _option_elements(element, option_tag):
        options.append(_option(child, control, option_tag, nested))
    _refuse_duplicates(options, control)
    return tuple(options)


def flatten(options: tuple[Option, ...]) -> frozenset[str]:
    """Every string a result may use for these options: values and aliases, at any nesting depth."""
    found: set[str] = set()
    stack = list(options)
    while stack:
        option = stack.pop()
        found.add(option.value)
        if option.alias is not None:
            found.add(option.alias)
        stack.extend(option.children)
    return frozenset(found)


def _option_elements(element: etree._Element, option_tag: str) -> list[etree._Element]:
    found: list[etree._Element] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        spec = lookup(child.tag)
        if spec is None:
            continue
        if spec.name == option_tag:
            found.append(child)
        elif spec.name == "View":
            found.extend(_option_elements(child, option_tag))
    return found


def _option(element: etree._Element, control: Attributes, option_tag: str, nested: bool) -> Option:
    attrs = {str(k): str(v) for k, v in element.attrib.items()}
    where = Attributes(option_tag, attrs, line_of(element))
    value = attrs.get("value")
    if option_tag == "Bucket":
        value = attrs.get("name") or value
    if value is None or not value.strip():
        text = (element.text or "").strip()
        if text and option_tag not in _ALLOW_MISSING_VALUE:
            value = text
        else:
            key = "name" if option_tag == "Bucket" else "value"
            raise where.error(f"is required on every <{option_tag}> of <{control.tag}>", key)
    children: tuple[Option, ...] = ()
    grandchildren = _option_elements(element, option_tag)
    if grandchildren:
        if not nested:
            raise where.error(f"<{option_tag}> cannot be nested inside another <{option_tag}> here")
        children = tuple(_option(child, control, option_tag, nested) for child in grandchildren)
        _refuse_duplicates(list(children), control)
    alias = where.text("alias")
    return Option(
        value=value,
        alias=alias,
        hotkey=where.text("hotkey"),
        background=where.text("background"),
        selected=where.flag("selected"),
        hint=where.text("hint"),
        children=children,
        attrs=attrs,
        line=line_of(element),
    )


def _refuse_duplicates(options: list[Option], control: Attributes) -> None:
    seen: dict[str, Option] = {}
    for option in options:
        first = seen.get(option.value)
        if first is not None:
            raise control.error(
                f"option value {option.value!r} appears twice (lines {first.line} and {option.line})", "value"
            )
        seen[option.value] = option
