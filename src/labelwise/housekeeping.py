"""Work a server process does on a clock, not on a request: today, purging expired trash.

Why a thread and not only the start-up pass: a server that runs for months would otherwise keep deleted
tasks past `LABELWISE_TRASH_DAYS` until its next restart, against what the trash page promises. Each
process runs the same purge; it is one guarded DELETE per expired deletion, so two processes doing it
at once remove the same rows once and the second finds nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from labelwise.db.base import utcnow
from labelwise.db.runtime import Database
from labelwise.services import trash
from labelwise.settings import Settings

INTERVAL_SECONDS = 3600.0
log = logging.getLogger(__name__)


def purge_trash(settings: Settings, database: Database, now: datetime | None = None) -> int:
    """Deletions older than the retention leave the trash (one query on the small deletions table when
    nothing expired); how many were purged."""
    session = database.write_sessionmaker()
    try:
        purged = trash.purge(session, now or utcnow(), settings.trash_days)
        session.commit()
        return purged
    finally:
        session.close()


class Housekeeping:
    """The clock thread: runs `purge_trash` every `interval` seconds until stopped."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        interval: float = INTERVAL_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings, self.database, self.interval, self.clock = settings, database, interval, clock
        self.rounds = 0  # rounds finished, failed or not: how a caller sees the clock turn
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="labelwise-housekeeping", daemon=True)

    def start(self) -> Housekeeping:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                purged = purge_trash(self.settings, self.database, self.clock())
                if purged:
                    log.info("purged %d expired deletions from the trash", purged)
            except Exception:  # a failed round must not end the thread: the next one tries again
                log.exception("purging the trash")
            self.rounds += 1
