"""PostgreSQL connections are pinged when they come back to use after sitting idle, not on every checkout
(see `db.engine._ping_when_idle`)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from labelwise.db import engine as engines


@pytest.fixture
def backend() -> str:
    """PostgreSQL only: SQLite's connections are files, with no server to lose."""
    return "postgresql"


def _pg(db: Session) -> Engine:
    bind = db.get_bind().engine
    assert bind.dialect.name == "postgresql"
    return engines.make_engine(bind.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    real = engine.dialect.do_ping

    def ping(dbapi_conn: Any) -> bool:
        seen.append(dbapi_conn)
        return real(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    return seen


def test_a_busy_connection_is_not_pinged(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _pg(db)
    pings = _pings(engine, monkeypatch)
    for _ in range(5):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    assert pings == []
    engine.dispose()


def test_an_idle_connection_killed_by_the_server_is_replaced(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _pg(db)
    pings = _pings(engine, monkeypatch)
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    # The server ends the pooled connection while it sits idle (a restart, an idle timeout).
    db.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    db.commit()
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_SECONDS", 0.0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    assert len(pings) == 1  # the dead one was pinged, failed and was discarded; the new one was not
    engine.dispose()
