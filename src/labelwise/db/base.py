"""Declarative base and the column types every model shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, ColumnElement, DateTime, Dialect, MetaData, Table, Text, cast, func, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator, TypeEngine

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSONType: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")
Timestamp = DateTime(timezone=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class JSONText(TypeDecorator[Any]):
    """A JSON column read as its stored text, wrapped in `orjson.Fragment`.

    Pages and exports hand task data straight back to the client: parsing it into Python objects
    only to serialize it again is most of the cost of a page. A Fragment is embedded verbatim.
    """

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else orjson.Fragment(value)


def raw_json(column: ColumnElement[Any], name: str) -> ColumnElement[Any]:
    return type_coerce(cast(column, Text), JSONText()).label(name)


def json_array_length(db_dialect: str, column: ColumnElement[Any]) -> ColumnElement[int]:
    fn = func.jsonb_array_length if db_dialect == "postgresql" else func.json_array_length
    return fn(column)


def table(model: type[Base]) -> Table:
    """A model's Table, typed as such, for Core statements on the hot paths."""
    t = model.__table__
    assert isinstance(t, Table)
    return t


class StampText(TypeDecorator[Any]):
    """A timestamp column read for sending on: on SQLite its stored text is reshaped to ISO 8601
    (`T`, `Z`) without building a datetime; on PostgreSQL the driver's datetime is kept.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(Text() if dialect.name == "sqlite" else DateTime(timezone=True))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str):
            return value.replace(" ", "T", 1) + "Z"
        return value


def raw_stamp(column: ColumnElement[Any], name: str) -> ColumnElement[Any]:
    return type_coerce(column, StampText()).label(name)
