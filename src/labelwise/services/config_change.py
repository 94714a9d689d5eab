"""What a new labeling config would orphan: controls, label and choice values, relation labels that existing
annotations use and the new config no longer has.

A project's annotations were validated against the config in force when they were written; a config change
that drops a label they use would leave results the editor cannot show and exports cannot map. So a change
is refused unless every used value survives. The scan streams the project's annotations in keyset batches
(read as JSON text, parsed one batch at a time), so memory stays flat on a project of a million annotations;
it is skipped altogether when the new config keeps everything the old one had, and otherwise reads only the
annotations whose text mentions something the change drops (a LIKE pre-filter the database runs).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Text, cast, or_, select
from sqlalchemy.orm import Session

from labelwise import labeling
from labelwise.db.models import Annotation, Project
from labelwise.labeling.options import flatten
from labelwise.services.errors import Invalid

BATCH = 2000
MAX_FILTER_TOKENS = 64
RELATIONS = "relations"  # the key orphaned relation labels are counted under


@dataclass(frozen=True)
class Orphan:
    """One thing the new config lacks; `value` None means the whole control is gone (or changed kind)."""

    control: str
    tag: str
    value: str | None
    count: int

    def message(self) -> str:
        uses = f"{self.count} annotation{'s' if self.count != 1 else ''}"
        if self.control == RELATIONS:
            return f'<Relation> value "{self.value}" is used by {uses}'
        where = f'<{self.tag} name="{self.control}">'
        if self.value is None:
            return f"{where} is used by {uses} and the new config has no such control"
        return f'{where} value "{self.value}" is used by {uses}'

    def to_json(self) -> dict[str, Any]:
        return {"control": self.control, "tag": self.tag, "value": self.value, "count": self.count}


def orphans(db: Session, project: Project, new: labeling.Schema) -> list[Orphan]:
    """Everything existing annotations of `project` use that `new` lacks, most used first."""
    if project.total_annotations_number + project.skipped_annotations_number == 0:
        return []
    old = labeling.parse_config(project.label_config or "<View></View>")
    tokens = _removed(old, new)
    if not tokens:
        return []
    return _scan(db, project.id, old, new, tokens)


def require_no_orphans(db: Session, project: Project, new_config: str) -> None:
    """Raise `Invalid` listing what `new_config` would orphan; nothing when it keeps every used value."""
    found = orphans(db, project, labeling.parse_config(new_config))
    if not found:
        return
    messages = [orphan.message() for orphan in found]
    shown = "; ".join(messages[:5]) + (f"; and {len(messages) - 5} more" if len(messages) > 5 else "")
    raise Invalid(
        f"label_config: the new config would orphan labels of existing annotations: {shown}",
        {"label_config": messages},
    )


def _values(control: labeling.ControlTag) -> frozenset[str] | None:
    """The values a result of this control may name; None when they come from task data."""
    return None if control.dynamic_options else flatten(control.options)


def _relation_values(schema: labeling.Schema) -> frozenset[str] | None:
    return flatten(schema.relations) if schema.has_relations_tag else None


def _removed(old: labeling.Schema, new: labeling.Schema) -> set[str]:
    """Strings only results that `new` breaks can contain: dropped control names, values, relation labels.

    Empty when the new config keeps everything the old one had: then no annotation (all validated against
    the old config) can break, and nothing is scanned.
    """
    tokens: set[str] = set()
    for name, before in old.controls.items():
        after = new.controls.get(name)
        if (
            after is None
            or not set(before.result_types) <= set(after.result_types)
            or not set(before.to_name) <= set(after.to_name)
        ):
            tokens.add(name)
            continue
        was, now = _values(before), _values(after)
        if now is not None:
            tokens |= {name} if was is None else set(was - now)
    was_rel, now_rel = _relation_values(old), _relation_values(new)
    if now_rel is not None:
        tokens |= {"relation"} if was_rel is None else set(was_rel - now_rel)
    return tokens


def _mentions(text: ColumnElement[str], tokens: set[str]) -> ColumnElement[bool] | None:
    """A filter for result texts naming any of `tokens` as a JSON string (None: too many to be worth it).

    Both spellings a database may store are matched (SQLite keeps the text `json.dumps` wrote, with
    non-ASCII escaped; PostgreSQL's jsonb prints UTF-8); LIKE is a cheap pre-filter, the parsed check decides.
    """
    if len(tokens) > MAX_FILTER_TOKENS:
        return None
    spellings = {form for token in tokens for form in (json.dumps(token), orjson.dumps(token).decode())}
    return or_(*(text.contains(form, autoescape=True) for form in sorted(spellings)))


def _results(db: Session, project_id: int, tokens: set[str]) -> Iterator[list[Any]]:
    """The result list of each annotation that may break, in id order, one batch of rows at a time."""
    last = 0
    text = cast(Annotation.result, Text)
    mentions = _mentions(text, tokens)
    while True:
        query = select(Annotation.id, text).where(Annotation.project_id == project_id, Annotation.id > last)
        if mentions is not None:
            query = query.where(mentions)
        rows = db.execute(query.order_by(Annotation.id).limit(BATCH)).all()
        if not rows:
            return
        for _, raw in rows:
            result = orjson.loads(raw) if raw else []
            yield result if isinstance(result, list) else []
        last = rows[-1][0]


def _scan(
    db: Session, project_id: int, old: labeling.Schema, new: labeling.Schema, tokens: set[str]
) -> list[Orphan]:
    counts: Counter[tuple[str, str | None]] = Counter()
    tags: dict[str, str] = {}
    relation_values = _relation_values(new)
    for result in _results(db, project_id, tokens):
        used: set[tuple[str, str | None]] = set()
        for item in result:
            if isinstance(item, dict):
                used |= _broken(item, new, relation_values, tags, old)
        counts.update(used)
    found = [Orphan(control, tags.get(control, "?"), value, n) for (control, value), n in counts.items()]
    found.sort(key=lambda o: (-o.count, o.control, o.value or ""))
    return found


def _broken(
    item: dict[str, Any],
    new: labeling.Schema,
    relation_values: frozenset[str] | None,
    tags: dict[str, str],
    old: labeling.Schema,
) -> set[tuple[str, str | None]]:
    """The (control, value) pairs of one result item the new config cannot hold."""
    kind = str(item.get("type", "")).lower()
    if kind == "relation":
        labels = item.get("labels")
        if relation_values is None or not isinstance(labels, list):
            return set()
        tags[RELATIONS] = "Relation"
        return {(RELATIONS, str(v)) for v in labels if str(v) not in relation_values}
    name = item.get("from_name")
    if not isinstance(name, str):
        return set()
    control = new.controls.get(name)
    before = old.controls.get(name)
    tags.setdefault(name, before.tag if before is not None else (control.tag if control is not None else "?"))
    if control is None or kind not in control.result_types or item.get("to_name") not in control.to_name:
        return {(name, None)}
    allowed = _values(control)
    value = item.get("value")
    if allowed is None or not isinstance(value, dict):
        return set()
    return {(name, v) for v in _named_values(value.get(kind)) if v not in allowed}


def _named_values(raw: Any) -> Iterator[str]:
    """Option values a result names: `["A", "B"]`, taxonomy paths `[["A", "A1"], ...]`, ranker buckets."""
    if isinstance(raw, dict):  # Ranker: {bucket: [item ids]}; "_" is the unsorted pool
        yield from (str(bucket) for bucket in raw if bucket != "_")
        return
    if not isinstance(raw, list):
        return
    for entry in raw:
        if isinstance(entry, list):
            yield from (str(node) for node in entry)
        elif isinstance(entry, str):
            yield entry
