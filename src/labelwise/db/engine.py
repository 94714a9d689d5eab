"""Engine and session factory for SQLite (embedded default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# SQLite maps this much of the database file into memory on each pooled connection: hot lookups
# (the queue, pages) read it without copies. Long scans turn it off (`scanning`).
MMAP_BYTES = 256 << 20


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    """WAL lets readers run while one writer commits; the busy timeout turns lock contention
    into a short wait instead of an error; NORMAL sync is durable in WAL mode except on power loss."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    """Emit BEGIN ourselves, IMMEDIATE for transactions marked as writes (see `begin_write`).

    pysqlite's own transaction handling is disabled (see `make_engine`). A deferred transaction
    that upgrades to a write lock after another writer committed fails at once in WAL mode
    (SQLITE_BUSY_SNAPSHOT) instead of waiting on busy_timeout; taking the write lock up front
    makes concurrent writers queue politely.
    """
    # Straight on the driver: SQLAlchemy's statement machinery would cost more than BEGIN itself,
    # once per request.
    driver = conn.connection.driver_connection
    driver.execute("BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "BEGIN")


def _queue_writers(engine: Engine) -> None:
    """Writers of this process wait for one another on a lock, not in SQLite's busy handler.

    SQLite lets one writer in at a time; the others wait in BEGIN IMMEDIATE, where the busy handler
    polls with sleeps growing to 100 ms, so under load a waiter sleeps long after the lock is free
    (with 50 annotators on one process, a p95 near a second). Taking a process-wide lock first makes
    the next writer start the moment the previous one commits; SQLite's own lock still guards other
    processes. The lock is released when the transaction ends (commit, rollback, or a failed BEGIN).
    The wait is the connection's busy timeout, so a caller that shortened it (the jobs' heartbeat)
    still gives up early, with the error SQLite itself would raise.
    """
    writer = threading.Lock()
    held = "labelwise.writer"

    def begin(conn: Any) -> None:
        if conn.get_execution_options().get("sqlite_write"):
            driver = conn.connection.driver_connection
            (wait_ms,) = driver.execute("PRAGMA busy_timeout").fetchone()
            if not writer.acquire(timeout=max(int(wait_ms), 0) / 1000):
                raise sqlite3.OperationalError("database is locked (another writer of this process)")
            conn.info[held] = True
        try:
            _sqlite_begin(conn)
        except BaseException:
            end(conn)
            raise

    def end(conn: Any) -> None:
        if conn.info.pop(held, False):
            writer.release()

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)


# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle, not on every checkout.

    SQLAlchemy's `pool_pre_ping` costs a round trip per checkout, and a request checks a connection out
    once per transaction: three extra round trips for each annotation of a busy team. A connection that
    was in use a moment ago is alive; the one that sat in the pool through a database restart or a
    firewall's idle timeout is the one to test. A failed ping discards it (`DisconnectionError`: the pool
    then tries another connection, and a new one after that)."""

    @event.listens_for(engine, "checkin")
    def checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return  # new (just connected) or busy a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"pooled connection is gone: {error}") from error


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _queue_writers(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, json_serializer=_json_dumps, json_deserializer=orjson.loads, **kwargs)
    _ping_when_idle(engine)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


def begin_write(db: Session) -> None:
    """Mark the session's next transaction as a write; call before the first statement of a service.

    On SQLite an open read transaction is committed first (it holds no changes) so the write
    transaction can start with the lock taken. On PostgreSQL this is a no-op.
    """
    if db.get_bind().dialect.name != "sqlite":
        return
    if db.in_transaction():
        conn = db.connection()
        if conn.get_execution_options().get("sqlite_write"):
            return
        db.commit()
    db.connection(execution_options={"sqlite_write": True})


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for command-line and background work: commit on success, roll back on error."""
    db = factory()
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.close()


@contextmanager
def scanning(db: Session) -> Iterator[None]:
    """A whole-project read (an export) on SQLite without the memory map: every page it touches
    would stay mapped and count in the server's memory (some 300 MB for a million tasks); read
    through the page cache instead, which is bounded (`cache_size`), for about 8 % more CPU."""
    if db.get_bind().dialect.name != "sqlite":
        yield
        return
    raw = db.connection().connection.driver_connection
    raw.execute("PRAGMA mmap_size=0")  # type: ignore[union-attr]
    try:
        yield
    finally:
        with suppress(sqlite3.Error):  # a broken connection is discarded by the pool anyway
            raw.execute(f"PRAGMA mmap_size={MMAP_BYTES}")  # type: ignore[union-attr]


def affected(result: Any) -> int:
    """Rows a DELETE or UPDATE touched (a `CursorResult`'s rowcount, which the generic `Result` type lacks)."""
    return int(result.rowcount or 0)
