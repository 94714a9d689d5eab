"""Counting the SQL statements a piece of work runs, for the tests that hold a query count fixed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

# The job runner's and the webhook deliverer's threads (request threads are `labelwise-executor`...).
BACKGROUND = ("labelwise-job", "labelwise-webhooks", "labelwise-housekeeping")


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The statements run on `engine` inside the block, by the test and by the requests it makes.

    The server's background workers poll the same engine on their own schedule; on a loaded machine one
    of their polls can fall inside the block, so their threads are left out, or a count would depend on
    timing rather than on the code measured."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not threading.current_thread().name.startswith(BACKGROUND):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
