"""Replies cached by what was asked, so running a prompt again over the same tasks costs nothing.

The key is sha256 over (base URL, model, temperature, the messages sent, the answer schema): the messages
hold the rendered prompt, the few-shot examples and the task data, so any change that could change the
answer is a new key. The reply text is cached, not its mapping, so a better parser applies to old replies.
Only replies that held a JSON object are cached; a failed task is asked again on the next run.

How the model reaches the database: the kind's factory has no session, so the caller passes a cache object
in the connection settings (`{"cache": SqlCache.of(database)}`); without one nothing is cached. `SqlCache` opens
a short session per lookup and per write, so it is safe from the worker threads of a run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import orjson
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from labelwise.db.base import table, utcnow
from labelwise.db.models import LlmCache
from labelwise.db.runtime import Database
from labelwise.ml.llm.client import Reply


def key(
    base_url: str,
    model: str,
    temperature: float,
    messages: Sequence[Mapping[str, str]],
    answer_schema: Mapping[str, Any] | None = None,
) -> str:
    payload = {
        "base": base_url.rstrip("/"),
        "model": model,
        "temperature": temperature,
        "messages": list(messages),
        "schema": answer_schema,
    }
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


class Cache(Protocol):
    def get(self, key: str) -> Reply | None: ...

    def put(self, key: str, model: str, reply: Reply) -> None: ...


class SqlCache:
    """The `llm_cache` table of a database."""

    def __init__(self, read: sessionmaker[Session], write: sessionmaker[Session]) -> None:
        self.read = read
        self.write = write

    @classmethod
    def of(cls, database: Database) -> SqlCache:
        return cls(database.sessionmaker, database.write_sessionmaker)

    def get(self, key: str) -> Reply | None:
        c = table(LlmCache).c
        with self.read() as db:
            row = db.execute(
                select(c.content, c.prompt_tokens, c.completion_tokens).where(c.key == key)
            ).first()
        return None if row is None else Reply(row[0], row[1], row[2])

    def put(self, key: str, model: str, reply: Reply) -> None:
        values = {
            "key": key,
            "model": model[:200],
            "content": reply.content,
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "created_at": utcnow(),
        }
        with self.write() as db:
            dialect = db.get_bind().dialect.name
            module = postgresql if dialect == "postgresql" else sqlite
            db.execute(module.insert(table(LlmCache)).values(values).on_conflict_do_nothing())
            db.commit()
