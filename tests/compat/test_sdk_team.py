"""label-studio-sdk 2.x Enterprise clients for assignments and pauses against a live server: the
paths, bodies and shapes `projects.assignments` and `projects.pauses` use work end to end."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from label_studio_sdk import LabelStudio
from sqlalchemy.orm import Session

from tests.support.people import member

from ._scenario import LABEL_CONFIG, unique_title

pytestmark = pytest.mark.compat


def test_assignments_and_pauses_through_the_sdk(live_server: Any, db: Session) -> None:
    ls = LabelStudio(base_url=live_server.url, api_key=live_server.token)
    project = ls.projects.create(title=unique_title("team"), label_config=LABEL_CONFIG)
    assert project.id is not None
    ls.projects.import_tasks(project.id, request=[{"text": f"t{i}"} for i in range(3)])
    ids = sorted(t.id for t in ls.tasks.list(project=project.id))
    a, b = member(db, project.id, "sdk-a@example.com"), member(db, project.id, "sdk-b@example.com")

    bulk = ls.projects.assignments.bulk_assign(
        project.id, type="AN", users=[a.id], selected_items={"all": False, "included": ids[:2]}
    )
    assert bulk.assignments == 2
    one = ls.projects.assignments.assign(project.id, ids[2], type="AN", users=[b.id])
    assert one.assignee == b.id and one.task == ids[2] and one.type == "AN"
    listed = ls.projects.assignments.list(project.id, ids[0])
    assert [(x.assignee, x.task) for x in listed] == [(a.id, ids[0])]
    changed = ls.projects.assignments.update(project.id, ids[0], type="AN", users=[b.id])
    assert changed.assignee == b.id
    ls.projects.assignments.delete(project.id, ids[0], type="AN", users=str(b.id))
    assert ls.projects.assignments.list(project.id, ids[0]) == []

    pause = ls.projects.pauses.create(project.id, a.id, reason="MANUAL", verbose_reason="coffee break")
    assert pause.user == a.id and pause.paused_by.id is not None
    assert [p.id for p in ls.projects.pauses.list(project.id, a.id)] == [pause.id]
    annotator = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {a.token}"})
    r = annotator.get(f"/api/projects/{project.id}/next")
    assert r.status_code == 403 and "coffee break" in r.json()["detail"]
    updated = ls.projects.pauses.update(project.id, a.id, pause.id, verbose_reason="back at 3")
    assert updated.verbose_reason == "back at 3"
    assert ls.projects.pauses.get(project.id, a.id, pause.id).reason == "MANUAL"
    ls.projects.pauses.delete(project.id, a.id, pause.id)
    assert ls.projects.pauses.list(project.id, a.id) == []
    assert annotator.get(f"/api/projects/{project.id}/next").json()["id"] == ids[1]  # a's assigned task
