"""Fixtures: every database-backed test runs on SQLite and on a real PostgreSQL cluster.

Each test gets a fresh, migrated database: on SQLite a copy of a template file migrated once per
session, on PostgreSQL a `CREATE DATABASE ... TEMPLATE` of a database migrated once per session.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from labelwise.app import create_app
from labelwise.db import migrate
from labelwise.db.engine import make_engine, session_scope
from labelwise.db.models import User
from labelwise.db.runtime import Database
from labelwise.services import tokens, users
from labelwise.settings import Settings
from tests.support.postgres import Cluster, start_cluster
from tests.support.server import LiveServer, serve

ADMIN_EMAIL = "owner@example.com"
ADMIN_PASSWORD = "owner-password"
ADMIN_TOKEN = "owner-token-0123456789"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    cluster = start_cluster()
    try:
        engine = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("CREATE DATABASE lw_template"))
        engine.dispose()
        tmpl = make_engine(cluster.url.rsplit("/", 1)[0] + "/lw_template")
        migrate.upgrade(tmpl)
        tmpl.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "labelwise.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    name = f"lw_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE lw_template"))
    yield cluster.url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    engine = make_engine(settings.sqlalchemy_url)
    yield Database.of(engine)
    engine.dispose()


@pytest.fixture
def db(database: Database) -> Iterator[Session]:
    session = database.sessionmaker()
    yield session
    session.close()


@pytest.fixture
def admin(database: Database) -> User:
    with session_scope(database.sessionmaker) as s:
        return users.create(s, ADMIN_EMAIL, ADMIN_PASSWORD, "owner", token=ADMIN_TOKEN)


@pytest.fixture
def app(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, database)


@pytest.fixture
def client(app, admin: User) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """An HTTP client authenticated as the owner with the legacy token."""
    with TestClient(app, headers={"Authorization": f"Token {ADMIN_TOKEN}"}) as c:
        yield c


@pytest.fixture
def anon(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


@pytest.fixture
def live_server(app, admin: User) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    server = serve(app, ADMIN_TOKEN, ADMIN_EMAIL, ADMIN_PASSWORD)
    yield server
    server.stop()


@pytest.fixture
def pat(database: Database, settings: Settings, admin: User) -> str:
    with session_scope(database.sessionmaker) as s:
        user = users.get(s, admin.id)
        _, token = tokens.create_personal(s, user, settings.signing_secret(), 30)
    return token
