"""label-studio-sdk 2.x `annotation_history` and `activity_logs` clients against a live server: the
Enterprise paths and shapes the SDK calls work end to end."""

from __future__ import annotations

from typing import Any

import pytest
from label_studio_sdk import LabelStudio

from ._scenario import LABEL_CONFIG, choices_result, unique_title

pytestmark = pytest.mark.compat


def test_annotation_history_through_the_sdk(live_server: Any) -> None:
    ls = LabelStudio(base_url=live_server.url, api_key=live_server.token)
    project = ls.projects.create(title=unique_title("history"), label_config=LABEL_CONFIG)
    assert project.id is not None
    ls.projects.import_tasks(project.id, request=[{"text": "one"}, {"text": "two"}])
    tasks = list(ls.tasks.list(project=project.id))
    first = ls.annotations.create(id=tasks[0].id, result=choices_result("positive", "r1"), lead_time=1.5)
    assert first.id is not None
    ls.annotations.update(first.id, result=choices_result("negative", "r1"))
    ls.annotations.create(id=tasks[1].id, result=choices_result("positive", "r2"))

    entries = ls.annotation_history.list(annotation=first.id)
    assert [e.action for e in entries] == ["submitted", "updated"]
    assert entries[0].annotation_id == first.id and entries[0].task_id == tasks[0].id
    assert entries[0].project_id == project.id and entries[0].lead_time == 1.5
    assert entries[1].result == choices_result("negative", "r1")
    one = ls.annotation_history.retrieve(entries[0].id)
    assert one.result == choices_result("positive", "r1")

    page = ls.annotation_history.list_for_project(project.id, page=1, page_size=2)
    assert page.count == 3 and len(page.results) == 2 and page.next is not None

    removed = ls.annotation_history.delete(annotation=first.id)
    assert removed.removed == 2
    assert ls.annotation_history.list(annotation=first.id) == []


def test_activity_logs_through_the_sdk(live_server: Any) -> None:
    ls = LabelStudio(base_url=live_server.url, api_key=live_server.token)
    project = ls.projects.create(title=unique_title("activity"), label_config=LABEL_CONFIG)
    assert project.id is not None
    ls.projects.update(project.id, title=unique_title("renamed"))
    # Label Studio answers DataTables' object; the SDK hands it over as it came.
    logs: Any = ls.activity_logs.list(project=project.id, page=1, page_size=10)
    actions = [e["action"] for e in logs["data"]]
    assert actions == ["project.updated", "project.created"]
    assert logs["recordsFiltered"] == 2 and logs["recordsTotal"] >= 2
    assert all(e["project_id"] == project.id and e["email"] == live_server.email for e in logs["data"])
