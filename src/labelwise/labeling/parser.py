"""Label Studio XML config -> `Schema`, with every mistake reported against its line, tag and attribute.

The walk checks each element where it stands (known tag, allowed place, no script), registers object and
control tags, and leaves cross-references (toName, whenTagName) for a second pass once every name is known.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree

from labelwise.labeling import document
from labelwise.labeling.attributes import Attributes, data_key, referenced_keys
from labelwise.labeling.errors import ConfigError
from labelwise.labeling.options import collect, flatten
from labelwise.labeling.schema import ControlTag, LayoutNode, ObjectTag, Option, Schema
from labelwise.labeling.tags import (
    FORBIDDEN_TAGS,
    LAYOUT_INSIDE_CONTROLS,
    TAGS,
    TagKind,
    TagSpec,
    lookup,
)

VISIBLE_WHEN = ("choice-selected", "choice-unselected", "region-selected", "no-region-selected")
CHOICE_MODES = ("single", "multiple", "single-radio")
GRANULARITIES = ("symbol", "word", "sentence", "paragraph")

# Layout tags that hold text or settings but never other tags.
_LEAF_LAYOUT = frozenset({"Header", "Style", "Filter", "Shortcut", "Channel"})
# Tags through which placement is judged by the enclosing tag (a <View> only arranges its children).
_TRANSPARENT = frozenset({"View"})


def parse_config(xml: str) -> Schema:
    """Parse and check a config; the same text returns the same (shared, read-only) Schema."""
    if not isinstance(xml, str | bytes):
        raise ConfigError(f"config must be text, not {type(xml).__name__}")
    return _parse_cached(xml)


@lru_cache(maxsize=256)
def _parse_cached(xml: str | bytes) -> Schema:
    root = document.load(xml)
    return _Builder().build(root)


class _Builder:
    def __init__(self) -> None:
        self.objects: dict[str, ObjectTag] = {}
        self.controls: dict[str, ControlTag] = {}
        self.name_lines: dict[str, int | None] = {}
        self.data_keys: dict[str, None] = {}
        self.relations: list[Option] = []
        self.has_relations = False
        self.conditional: list[Attributes] = []

    def build(self, root: etree._Element) -> Schema:
        tag = _tag_name(root)
        spec = lookup(tag)
        if spec is None or spec.name != "View":
            raise ConfigError("the root tag must be <View>", tag=tag, line=document.line_of(root))
        layout = self._walk(root, None, 1)
        self._resolve_targets()
        self._resolve_conditions()
        required: dict[str, None] = {}
        for obj in self.objects.values():
            for key in (obj.value_key, obj.value_list_key):
                if key is not None:
                    required[key] = None
        return Schema(
            objects=self.objects,
            controls=self.controls,
            relations=tuple(self.relations),
            layout=layout,
            data_keys=tuple(self.data_keys),
            required_data_keys=tuple(required),
            has_relations_tag=self.has_relations,
        )

    def _walk(self, element: etree._Element, container: TagSpec | None, depth: int) -> LayoutNode:
        line = document.line_of(element)
        raw = _tag_name(element)
        if depth > document.MAX_DEPTH:
            raise ConfigError(
                f"tags are nested more than {document.MAX_DEPTH} levels deep", tag=raw, line=line
            )
        if raw.lower() in FORBIDDEN_TAGS:
            raise ConfigError(f"<{raw}> is not allowed in a labeling config", tag=raw, line=line)
        spec = lookup(raw)
        if spec is None:
            raise ConfigError(f"unknown tag <{raw}>", tag=raw, line=line)
        attrs = {etree.QName(key).localname: str(value) for key, value in element.attrib.items()}
        where = Attributes(spec.name, attrs, line)
        for key, value in attrs.items():
            document.check_attribute(spec.name, where.name, key, value, line)
        self._check_texts(element, spec, line)
        _check_placement(spec, container, where)
        if spec.kind is not TagKind.OPTION:
            for value in attrs.values():
                for key in referenced_keys(value):
                    self.data_keys.setdefault(key, None)
        if any(k in attrs for k in ("visibleWhen", "whenTagName", "whenChoiceValue", "whenLabelValue")):
            where.one_of("visibleWhen", VISIBLE_WHEN)
            self.conditional.append(where)
        inner = container if spec.name in _TRANSPARENT else spec
        children = tuple(self._walk(child, inner, depth + 1) for child in element)
        if spec.kind is TagKind.OBJECT:
            self._object(where, spec)
        elif spec.kind is TagKind.CONTROL:
            self._control(element, where, spec)
        text = (element.text or "").strip() or None
        return LayoutNode(tag=spec.name, attrs=attrs, children=children, text=text, line=line)

    @staticmethod
    def _check_texts(element: etree._Element, spec: TagSpec, line: int | None) -> None:
        if element.text:
            document.check_text(spec.name, element.text, line)
        for child in element:
            if child.tail:
                document.check_text(spec.name, child.tail, line)

    def _claim(self, name: str, where: Attributes) -> None:
        if name in self.name_lines:
            raise where.error(
                f"duplicate name {name!r}, already used on line {self.name_lines[name]}", "name"
            )
        self.name_lines[name] = where.line

    def _object(self, where: Attributes, spec: TagSpec) -> None:
        name = _required_name(where)
        value = where.text("value")
        value_list = where.text("valueList")
        if value is None and value_list is None:
            raise where.error("is required on object tags (a $key from the task data or a literal)", "value")
        self._claim(name, where)
        self.objects[name] = ObjectTag(
            name=name,
            type=spec.name.lower(),
            tag=spec.name,
            value_key=data_key(value),
            value_list_key=data_key(value_list),
            value=value,
            attrs=dict(where.attrs),
            line=where.line,
        )

    def _control(self, element: etree._Element, where: Attributes, spec: TagSpec) -> None:
        is_relations = spec.name == "Relations"
        name = where.text("name") if is_relations else _required_name(where)
        to_name = where.names("toName")
        if not to_name and not is_relations:
            raise where.error("is required on control tags", "toName")
        options_key = data_key(where.text("value")) if spec.name in ("Choices", "Taxonomy") else None
        options: tuple[Option, ...] = ()
        if spec.option_tag is not None:
            options = collect(element, where, spec.option_tag, nested=spec.name == "Taxonomy")
        dynamic = options_key is not None or (spec.name == "Taxonomy" and where.text("apiUrl") is not None)
        if spec.needs_options and not options and not dynamic:
            raise where.error(f"needs at least one <{spec.option_tag}> option")
        if is_relations:
            self.has_relations = True
            self.relations.extend(options)
        if name is None:
            return
        self._claim(name, where)
        self.controls[name] = _control_tag(where, spec, name, to_name, options, options_key)

    def _resolve_targets(self) -> None:
        for control in self.controls.values():
            spec = TAGS[control.tag]
            for target in control.to_name:
                obj = self.objects.get(target)
                if obj is None:
                    raise _control_error(
                        control, "toName", f"points at {target!r}, which is not an object tag name"
                    )
                if spec.targets is not None and obj.type not in spec.targets:
                    works_with = ", ".join(sorted(spec.targets))
                    raise _control_error(
                        control,
                        "toName",
                        f'<{control.tag}> cannot label <{obj.tag} name="{obj.name}"> '
                        f"(it works with: {works_with})",
                    )
            if control.type == "pairwise" and len(control.to_name) != 2:
                raise _control_error(control, "toName", "must name exactly two object tags to compare")

    def _resolve_conditions(self) -> None:
        for where in self.conditional:
            tag_name = where.text("whenTagName")
            pool = list(self.controls.values())
            if tag_name is not None:
                tag_name = tag_name.strip()
                if tag_name in self.controls:
                    pool = [self.controls[tag_name]]
                elif tag_name in self.objects:
                    pool = [c for c in self.controls.values() if tag_name in c.to_name]
                else:
                    raise where.error(f"points at {tag_name!r}, which is not a tag name", "whenTagName")
            if any(c.dynamic_options for c in pool):
                continue
            allowed: set[str] = set()
            for control in pool:
                allowed |= control.option_values
            for attribute in ("whenChoiceValue", "whenLabelValue"):
                raw = where.text(attribute)
                if raw is None:
                    continue
                for value in (part.strip() for part in raw.split(",")):
                    if value and value not in allowed:
                        whose = (
                            f"<{pool[0].tag}>" if tag_name is not None and len(pool) == 1 else "any control"
                        )
                        raise where.error(f"{value!r} is not an option of {whose}", attribute)


def _control_tag(
    where: Attributes,
    spec: TagSpec,
    name: str,
    to_name: tuple[str, ...],
    options: tuple[Option, ...],
    options_key: str | None,
) -> ControlTag:
    is_number = spec.name == "Number"
    minimum = where.number("min") if is_number else None
    maximum = where.number("max") if is_number else None
    if minimum is not None and maximum is not None and minimum > maximum:
        raise where.error(f"min ({minimum:g}) is greater than max ({maximum:g})", "min")
    step = where.number("step") if is_number else None
    if step is not None and step <= 0:
        raise where.error(f"must be a positive number, not {step:g}", "step")
    max_rating = where.positive_int("maxRating", 5 if spec.name == "Rating" else None)
    return ControlTag(
        name=name,
        type=spec.result_type,
        tag=spec.name,
        to_name=to_name,
        options=options,
        choice=where.one_of("choice", CHOICE_MODES, "single") or "single",
        show_inline=where.flag("showInline"),
        required=where.flag("required"),
        per_region=where.flag("perRegion"),
        visible_when=where.one_of("visibleWhen", VISIBLE_WHEN),
        when_tag_name=where.text("whenTagName"),
        when_choice_value=where.text("whenChoiceValue"),
        when_label_value=where.text("whenLabelValue"),
        max_usages=where.positive_int("maxUsages"),
        granularity=where.one_of("granularity", GRANULARITIES),
        max_rating=max_rating,
        min=minimum,
        max=maximum,
        step=step,
        rows=where.positive_int("rows"),
        editable=where.flag("editable"),
        placeholder=where.text("placeholder"),
        hotkey=where.text("hotkey"),
        leafs_only=where.flag("leafsOnly"),
        options_key=options_key,
        result_types=spec.result_types,
        option_values=flatten(options),
        attrs=dict(where.attrs),
        line=where.line,
    )


def _tag_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        raise ConfigError("entity references are not allowed", line=document.line_of(element))
    if tag.startswith("{"):
        local = etree.QName(tag).localname
        raise ConfigError(
            f"namespaced tag <{local}> is not allowed", tag=local, line=document.line_of(element)
        )
    return tag


def _required_name(where: Attributes) -> str:
    name = where.text("name")
    if name is None:
        raise where.error("is required", "name")
    if "," in name:
        raise where.error(f"must not contain a comma: {name!r}", "name")
    return name


def _check_placement(spec: TagSpec, container: TagSpec | None, where: Attributes) -> None:
    if spec.parents is not None:
        if container is None or container.name not in spec.parents:
            inside = " or ".join(f"<{p}>" for p in sorted(spec.parents))
            raise where.error(f"must be placed inside {inside}")
        return
    if container is None or (container.kind is TagKind.LAYOUT and container.name not in _LEAF_LAYOUT):
        return
    if container.kind is TagKind.CONTROL and spec.name in LAYOUT_INSIDE_CONTROLS:
        return
    raise where.error(f"cannot be placed inside <{container.name}>")


def _control_error(control: ControlTag, attribute: str, message: str) -> ConfigError:
    return ConfigError(message, tag=control.tag, attribute=attribute, line=control.line, name=control.name)
