"""Expired trash leaves on the clock, not only at the next start (src/labelwise/housekeeping.py)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from labelwise import housekeeping
from labelwise.db.base import utcnow
from labelwise.db.models.trash import Deletion
from labelwise.db.runtime import Database
from labelwise.settings import Settings
from tests.api.test_dm_actions import setup_project
from tests.ml.test_connections import wait_for


def _purged(db: Session, deletion_id: int) -> bool:
    db.rollback()
    row = db.get(Deletion, deletion_id)
    assert row is not None
    return row.purged_at is not None


def test_a_running_server_purges_deletions_past_the_retention(
    client: TestClient, db: Session, settings: Settings, database: Database
) -> None:
    pid, ids = setup_project(client, 2)
    assert client.delete(f"/api/tasks/{ids[0]}").status_code == 204
    [deletion] = client.get("/api/trash", params={"project": pid}).json()["results"]
    days = settings.trash_days
    early = housekeeping.Housekeeping(
        settings, database, interval=0.02, clock=lambda: utcnow() + timedelta(days=days - 1)
    ).start()
    try:
        wait_for(lambda: early.rounds >= 3)
    finally:
        early.stop()
    assert not _purged(db, deletion["id"])  # a day short of the retention: kept
    keeper = housekeeping.Housekeeping(
        settings, database, interval=0.02, clock=lambda: utcnow() + timedelta(days=days + 1)
    ).start()
    try:
        wait_for(lambda: _purged(db, deletion["id"]))
    finally:
        keeper.stop()
    assert client.post(f"/api/trash/{deletion['id']}/restore").status_code == 409
