"""Rows read with a prepared statement, made persistent ORM objects without the ORM's loading machinery.

`Session.get` and `select(Model)` spend most of a small request's database time in the ORM: the compiled
cache lookup, the loading context, the per-column instance processor. The hot routes read the caller and
the project on every request, so those two are read as one prepared statement each (db/prepared.py) and
attached here as if a query had loaded them: no pending changes, lazy relationships and later UPDATEs
work as usual. An object already in the session's identity map wins, so a session never holds two
copies of one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import manager_of_class
from sqlalchemy.orm.util import identity_key

from labelwise.db.base import Base

M = TypeVar("M", bound=Base)


def attach(db: Session, model: type[M], keys: Sequence[str], row: Sequence[Any]) -> M:
    """The `model` object for `row` (values in the order of `keys`), persistent in `db`."""
    values = dict(zip(keys, row, strict=True))
    known = db.identity_map.get(identity_key(model, values["id"]))
    if isinstance(known, model):
        return known
    # Built as the ORM's loader builds a row's object: without the constructor, whose per-attribute events
    # (a history entry for each of the row's columns) are what `make_transient_to_detached` then resets.
    obj = manager_of_class(model).new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)  # as if loaded: attribute history reset, nothing to flush
    db.add(obj)
    return obj
