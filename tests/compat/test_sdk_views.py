"""label-studio-sdk 2.x `views` client (data-manager tabs) and `tasks.list(view=...)` against a live server:
the paths and shapes the SDK calls work end to end."""

from __future__ import annotations

from typing import Any

import pytest
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from ._scenario import LABEL_CONFIG, unique_title

pytestmark = pytest.mark.compat


def apples(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "filters": {
            "conjunction": "and",
            "items": [
                {
                    "filter": "filter:tasks:data.text",
                    "operator": "contains",
                    "type": "String",
                    "value": "apple",
                }
            ],
        },
        "ordering": ["-tasks:id"],
        "hiddenColumns": {"explore": ["tasks:inner_id"], "labeling": []},
    }


def test_views_created_listed_updated_ordered_and_deleted_by_the_sdk(live_server: Any) -> None:
    ls = LabelStudio(base_url=live_server.url, api_key=live_server.token)
    project = ls.projects.create(title=unique_title("views"), label_config=LABEL_CONFIG)
    assert project.id is not None
    texts = ["an apple", "a pear", "apple pie", "plum"]
    ls.projects.import_tasks(project.id, request=[{"text": t} for t in texts])

    view = ls.views.create(project=project.id, data=apples("Apples"))
    assert view.id is not None and view.project == project.id and view.data["title"] == "Apples"
    other = ls.views.create(project=project.id, data={"title": "All"})
    assert [v.id for v in ls.views.list(project=project.id)] == [view.id, other.id]

    tasks = list(ls.tasks.list(project=project.id, view=view.id))
    assert [t.data["text"] for t in tasks] == ["apple pie", "an apple"]  # filtered, newest first

    updated = ls.views.update(
        str(view.id), project=project.id, data={**apples("Renamed"), "ordering": ["tasks:id"]}
    )
    assert updated.data["title"] == "Renamed" and ls.views.get(str(view.id)).data["title"] == "Renamed"
    assert [t.data["text"] for t in ls.tasks.list(project=project.id, view=view.id)] == [
        "an apple",
        "apple pie",
    ]

    ls.views.update_order(project=project.id, ids=[other.id, view.id])
    assert [v.id for v in ls.views.list(project=project.id)] == [other.id, view.id]

    with pytest.raises(ApiError) as bad:
        ls.views.create(project=project.id, data={"title": "x", "ordering": ["tasks:secret"]})
    assert bad.value.status_code == 400

    ls.views.delete(str(view.id))
    assert [v.id for v in ls.views.list(project=project.id)] == [other.id]
    ls.views.delete_all(project=project.id)
    assert ls.views.list(project=project.id) == []
    ls.projects.delete(project.id)
