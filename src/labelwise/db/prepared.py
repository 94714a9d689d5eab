"""Core statements compiled once per dialect and run straight on the driver's connection.

SQLAlchemy spends 60-100 microseconds per `Connection.execute` on bookkeeping: cache lookup,
execution context, result metadata. The annotation write path runs eight statements per
request, so that bookkeeping was most of its server time. A `Prepared` statement is compiled
once per dialect into its SQL text with the bind and result processors of its column types (so
JSON, timestamps and booleans are stored exactly as SQLAlchemy would store them) and is then
run on the DBAPI connection of the session's current transaction, in that transaction.

Only for hot paths: statements with Python-side column defaults are refused at compile time, so
every value a row gets is one the caller passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Float
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Processor | None], ...]
    results: tuple[Processor | None, ...]
    # Values the statement carries itself (a LIMIT's number), used when the caller gives none.
    fixed: tuple[tuple[str, Any], ...] = ()


def _named(dialect: Dialect) -> Dialect:
    """A dialect of the same kind that renders named parameters, which both drivers accept."""
    if dialect.paramstyle in ("named", "pyformat"):
        return dialect
    return type(dialect)(paramstyle="named")  # type: ignore[call-arg]


_LINK = "labelwise.prepared.link"


def _link(db: Session) -> tuple[Dialect, Any]:
    """The dialect and driver connection of the session's transaction, begun if need be.

    Kept in `session.info` for the life of that transaction: `Session.connection()` walks the
    session's state machine on every call, a cost otherwise paid eight times per annotation.
    """
    txn = db.get_transaction()
    cached = db.info.get(_LINK)
    if txn is not None and cached is not None and cached[0] is txn:
        return cached[1], cached[2]
    conn = db.connection()
    link = (db.get_transaction(), conn.dialect, conn.connection.driver_connection)
    db.info[_LINK] = link
    return link[1], link[2]


def dialect_of(db: Session) -> str:
    """The name of the session's dialect ("postgresql", "sqlite"), from its transaction's cached link."""
    return _link(db)[0].name


try:  # PostgreSQL's driver; SQLite's cursors have no result object
    from psycopg.pq import ExecStatus

    _TUPLES_OK: Any = ExecStatus.TUPLES_OK
except ImportError:  # pragma: no cover - psycopg is a dependency
    _TUPLES_OK = None


def _fetched(cursor: Any) -> list[Any]:
    """The cursor's rows, or none for a statement that returns none. psycopg is asked by its result's status:
    its `description` builds a Column object per column (a hundred per annotation on the hot path)."""
    result = getattr(cursor, "pgresult", None)
    if result is not None:
        return cursor.fetchall() if result.status == _TUPLES_OK else []
    return cursor.fetchall() if cursor.description is not None else []


def _result_processor(kind: TypeEngine[Any], dialect: Dialect) -> Processor | None:
    # psycopg's numeric processors pick by the column's type oid, which only a live cursor knows; our
    # Float columns are double precision, which the driver already returns as float.
    if isinstance(kind, Float) and not kind.asdecimal and dialect.name == "postgresql":
        return None
    processor: Processor | None = kind.dialect_impl(dialect).result_processor(dialect, None)
    return processor


class Prepared:
    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=_named(dialect), column_keys=self.column_keys)
        assert isinstance(compiled, SQLCompiler)
        prefetch = [c.name for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
        if prefetch:
            raise TypeError(
                f"give {', '.join(prefetch)} explicitly: a Prepared statement runs no Python defaults"
            )
        binds = tuple(
            (name, bind.type.dialect_impl(dialect).bind_processor(dialect))
            for name, bind in compiled.binds.items()
        )
        columns = getattr(self.statement, "exported_columns", ())
        results = tuple(_result_processor(c.type, dialect) for c in columns)
        fixed = tuple((name, bind.value) for name, bind in compiled.binds.items() if not bind.required)
        return _Compiled(compiled.string, binds, results, fixed)

    def compiled(self, dialect: Dialect) -> _Compiled:
        key = dialect.name
        found = self._by_dialect.get(key)
        if found is None:
            found = self._by_dialect[key] = self._compile(dialect)
        return found

    def values(self, dialect: Dialect, params: dict[str, Any]) -> dict[str, Any]:
        c = self.compiled(dialect)
        given = {**dict(c.fixed), **params} if c.fixed else params
        values = {}
        for name, process in c.binds:
            value = given[name]
            values[name] = process(value) if process is not None else value
        return values

    def run(self, db: Session, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Execute in the session's transaction; rows come back only for SELECT and RETURNING."""
        dialect, raw = _link(db)
        c = self.compiled(dialect)
        values = self.values(dialect, params)
        try:
            cursor = raw.execute(c.sql, values)
            rows = _fetched(cursor)
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(
                c.sql, values, exc, dialect.loaded_dbapi.Error, dialect=dialect
            ) from exc
        if not any(c.results):
            return [tuple(r) for r in rows]
        procs = c.results
        return [tuple(p(v) if p is not None else v for p, v in zip(procs, row, strict=True)) for row in rows]


def run_and_commit(db: Session, steps: Sequence[tuple[Prepared, dict[str, Any]]]) -> list[tuple[Any, ...]]:
    """PostgreSQL: the statements and the COMMIT of the session's transaction sent together in psycopg's
    pipeline mode (one network round trip), the last statement's rows returned. The session then still
    believes its transaction open: the caller's `db.commit()` finds nothing left to commit.

    Why: a section serialized by a lock held to the commit (the queue's choice) otherwise waits, between
    its statements, for its thread to get a round trip back and then the GIL, while every other chooser of
    the project waits on it."""
    dialect, raw = _link(db)
    cursors = []
    sql, values = "", {}
    try:
        with raw.pipeline():
            for prepared, params in steps:
                sql, values = prepared.compiled(dialect).sql, prepared.values(dialect, params)
                cursors.append(raw.execute(sql, values))
            raw.commit()
        last = cursors[-1]
        rows = _fetched(last)
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(sql, values, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    return [tuple(r) for r in rows]
