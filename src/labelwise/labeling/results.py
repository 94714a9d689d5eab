"""Checking an annotation or prediction result list against a schema before it is stored.

The envelope of each item (from_name, to_name, type, id) is checked here; the shape of `value` is delegated to
`values`. Work is proportional to the number of regions: task content is looked up once per object tag and
only sliced, never scanned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from labelwise.labeling import values
from labelwise.labeling.errors import InvalidResult
from labelwise.labeling.region import Content, Region, kind
from labelwise.labeling.schema import ControlTag, ObjectTag, Schema

DIRECTIONS = ("right", "left", "bi")


def validate_result(schema: Schema, data: Mapping[str, Any], result: Any) -> None:
    """Raise InvalidResult for the first region that does not fit `schema` and the task's `data`."""
    if not isinstance(result, list):
        raise InvalidResult(-1, "result", f"must be a list of regions, not {kind(result)}")
    if not isinstance(data, Mapping):
        data = {}
    contents: dict[str, Content] = {}
    region_objects: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    relations: list[tuple[int, Mapping[str, Any]]] = []
    for index, item in enumerate(result):
        if not isinstance(item, Mapping):
            raise InvalidResult(index, "result", f"each region must be an object, not {kind(item)}")
        region_id = _region_id(index, item.get("id"))
        if item.get("type") == "relation":
            relations.append((index, item))
            continue
        control, obj = _check_envelope(schema, index, region_id, item)
        _check_extras(index, region_id, item)
        if obj.name not in contents:
            contents[obj.name] = _content(obj, data)
        value = item["value"]
        region = Region(index, region_id, control, obj, item["type"].lower(), value, contents[obj.name])
        values.check(region)
        if region_id is not None:
            if (region_id, control.name) in seen:
                raise InvalidResult(
                    index,
                    "id",
                    f"region id is used twice with from_name {control.name!r}",
                    region_id=region_id,
                )
            seen.add((region_id, control.name))
            first = region_objects.setdefault(region_id, obj.name)
            if first != obj.name:
                raise InvalidResult(
                    index,
                    "id",
                    f"region id is shared by regions on different objects ({first!r} and {obj.name!r})",
                    region_id=region_id,
                )
    for index, item in relations:
        _check_relation(schema, index, item, region_objects)


def _region_id(index: int, raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str) and raw:
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    raise InvalidResult(index, "id", f"must be a non-empty string, not {kind(raw)}")


def _check_envelope(
    schema: Schema, index: int, region_id: str | None, item: Mapping[str, Any]
) -> tuple[ControlTag, ObjectTag]:
    def fail(field: str, message: str) -> InvalidResult:
        return InvalidResult(index, field, message, region_id=region_id)

    from_name = item.get("from_name")
    if not isinstance(from_name, str):
        raise fail("from_name", f"must be a string, not {kind(from_name)}")
    control = schema.controls.get(from_name)
    if control is None:
        raise fail("from_name", f"{from_name!r} is not a control tag of this config")
    to_name = item.get("to_name")
    if not isinstance(to_name, str):
        raise fail("to_name", f"must be a string, not {kind(to_name)}")
    target = _target(control, to_name)
    if target is None or target not in schema.objects:
        expected = ", ".join(repr(n) for n in control.to_name) or "nothing"
        raise fail(
            "to_name", f'{to_name!r} is not what <{control.tag} name="{from_name}"> labels ({expected})'
        )
    rtype = item.get("type")
    if not isinstance(rtype, str):
        raise fail("type", f"must be a string, not {kind(rtype)}")
    if rtype.lower() not in control.result_types or rtype.lower() == "relations":
        expected = " or ".join(repr(t) for t in control.result_types if t != "relations") or "nothing"
        raise fail(
            "type", f'{rtype!r} does not match <{control.tag} name="{from_name}"> (expected {expected})'
        )
    if not isinstance(item.get("value"), Mapping):
        raise fail("value", f"must be an object, not {kind(item.get('value'))}")
    return control, schema.objects[target]


def _target(control: ControlTag, to_name: str) -> str | None:
    """The object a region sits on; Pairwise results name both compared objects, or the control itself."""
    if to_name in control.to_name:
        return to_name
    if (
        control.type == "pairwise"
        and control.to_name
        and to_name in (",".join(control.to_name), control.name)
    ):
        return control.to_name[0]
    return None


def _check_extras(index: int, region_id: str | None, item: Mapping[str, Any]) -> None:
    def fail(field: str, message: str) -> InvalidResult:
        return InvalidResult(index, field, message, region_id=region_id)

    score = item.get("score")
    if score is not None and (
        isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score)
    ):
        raise fail("score", f"must be a finite number, not {kind(score)}")
    for key in ("readonly", "hidden"):
        flag = item.get(key)
        if flag is not None and not isinstance(flag, bool):
            raise fail(key, f"must be true or false, not {kind(flag)}")
    for key in ("original_width", "original_height"):
        size = item.get(key)
        if size is not None and (isinstance(size, bool) or not isinstance(size, int | float) or size <= 0):
            raise fail(key, f"must be a positive number, not {size!r}")
    rotation = item.get("image_rotation")
    if rotation is not None and (isinstance(rotation, bool) or not isinstance(rotation, int | float)):
        raise fail("image_rotation", f"must be a number, not {kind(rotation)}")
    origin = item.get("origin")
    if origin is not None and not isinstance(origin, str):
        raise fail("origin", f"must be a string, not {kind(origin)}")


def _content(obj: ObjectTag, data: Mapping[str, Any]) -> Content:
    if obj.value_key is not None:
        return Content(data.get(obj.value_key))
    if obj.value_list_key is not None:
        return Content(data.get(obj.value_list_key))
    return Content(obj.value)


def _check_relation(
    schema: Schema, index: int, item: Mapping[str, Any], region_ids: Mapping[str, str]
) -> None:
    for key in ("from_id", "to_id"):
        raw = item.get(key)
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str) or not raw:
            raise InvalidResult(index, key, f"must be a region id, not {kind(raw)}")
        if raw not in region_ids:
            raise InvalidResult(index, key, f"{raw!r} is not the id of a region in this result")
    direction = item.get("direction", "right")
    if direction not in DIRECTIONS:
        raise InvalidResult(index, "direction", f"must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    labels = item.get("labels")
    if labels is None:
        return
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise InvalidResult(index, "labels", "must be a list of strings")
    if not schema.has_relations_tag:
        return
    allowed = {option.value for option in schema.relations} | {
        option.result_value for option in schema.relations
    }
    for label in labels:
        if label not in allowed:
            raise InvalidResult(index, "labels", f"{label!r} is not a <Relation> of this config")
