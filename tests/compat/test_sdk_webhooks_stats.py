"""label-studio-sdk 2.x `webhooks` and `projects.stats` clients against a live server: Label Studio's paths and fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from labelwise.settings import Settings

from ._scenario import LABEL_CONFIG, unique_title

pytestmark = pytest.mark.compat
# Port 9 (discard) on loopback: allowed below, and nothing listens, so no delivery ever lands.
URL = "http://127.0.0.1:9/hook"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, ssrf_allow_hosts="127.0.0.1")


def test_webhooks_created_listed_updated_and_deleted_by_the_sdk(live_server: Any) -> None:
    ls = LabelStudio(base_url=live_server.url, api_key=live_server.token)
    project = ls.projects.create(title=unique_title("hooks"), label_config=LABEL_CONFIG)
    assert project.id is not None
    hook = ls.webhooks.create(
        url=URL,
        project=project.id,
        send_payload=False,
        send_for_all_actions=False,
        actions=["ANNOTATION_CREATED"],
    )
    assert hook.id is not None and hook.project == project.id and hook.url == URL
    assert hook.actions == ["ANNOTATION_CREATED"] and hook.send_payload is False and hook.is_active is True
    assert [h.id for h in ls.webhooks.list(project=str(project.id))] == [hook.id]
    assert ls.webhooks.get(hook.id).url == URL
    changed = ls.webhooks.update(hook.id, is_active=False, headers={"X-Team": "ml"})
    assert changed.is_active is False and changed.headers == {"X-Team": "ml"}
    info = ls.webhooks.info()
    assert info.annotation_created is not None and info.annotation_created.key == "ANNOTATION_CREATED"
    ls.webhooks.delete(hook.id)
    with pytest.raises(ApiError) as gone:
        ls.webhooks.get(hook.id)
    assert gone.value.status_code == 404
    with pytest.raises(ApiError) as refused:
        ls.webhooks.create(url="http://169.254.169.254/latest/meta-data/")
    assert refused.value.status_code == 400


def test_stats_paths_the_sdk_calls(live_server: Any) -> None:
    ls = LabelStudio(base_url=live_server.url, api_key=live_server.token)
    project = ls.projects.create(title=unique_title("stats"), label_config=LABEL_CONFIG)
    assert project.id is not None
    ls.projects.import_tasks(project.id, request=[{"text": "a"}, {"text": "b"}])
    task = next(iter(ls.tasks.list(project=project.id)))
    result = [
        {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}
    ]
    ann = ls.annotations.create(task.id, result=result, lead_time=8.0)
    finished = ls.projects.stats.finished_tasks(project.id)
    assert finished.finished == 1 and finished.progress == 50
    mine = ls.projects.stats.finished_tasks(project.id, user_pk=ann.completed_by)
    assert mine.id == ann.completed_by and mine.finished == 1
    [item] = ls.projects.stats.lead_time(project.id).lead_time_stats or []
    assert item.user_id == ann.completed_by and item.median_time == 8.0 and item.sum_lead_time == 8.0
    agreement = ls.projects.stats.iaa(project.id)
    assert agreement.iaa == [[1.0]] and agreement.common_tasks == [[1]]
    assert [u["id"] for u in agreement.users or []] == [ann.completed_by]
