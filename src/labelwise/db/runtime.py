"""Open the database a Settings object names, migrated to the current schema."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from labelwise.db import migrate
from labelwise.db.engine import make_engine, make_sessionmaker
from labelwise.settings import Settings


@dataclass
class Database:
    engine: Engine
    sessionmaker: sessionmaker[Session]


def open_database(settings: Settings, *, run_migrations: bool = True) -> Database:
    settings.ensure_data_dir()
    engine = make_engine(settings.sqlalchemy_url)
    if run_migrations:
        migrate.upgrade(engine)
    return Database(engine, make_sessionmaker(engine))
