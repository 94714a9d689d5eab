"""Open the database a Settings object names, migrated to the current schema."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker as SessionFactory

from labelwise.db import migrate
from labelwise.db.engine import make_engine, make_sessionmaker
from labelwise.settings import Settings


@dataclass
class Database:
    """The engine with two session factories: one for reads, one whose transactions are writes.

    On SQLite a write transaction takes the write lock at BEGIN (see `engine.begin_write`), so a
    request known to write (POST, PATCH, PUT, DELETE) starts that way and never has to upgrade
    a read transaction midway. On PostgreSQL both factories behave the same.
    """

    engine: Engine
    sessionmaker: SessionFactory[Session]
    write_sessionmaker: SessionFactory[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.write_sessionmaker = make_sessionmaker(self.engine.execution_options(sqlite_write=True))

    @classmethod
    def of(cls, engine: Engine) -> Database:
        return cls(engine, make_sessionmaker(engine))


def open_database(settings: Settings, *, run_migrations: bool = True) -> Database:
    settings.ensure_data_dir()
    engine = make_engine(settings.sqlalchemy_url)
    if run_migrations:
        migrate.upgrade(engine)
    return Database.of(engine)
