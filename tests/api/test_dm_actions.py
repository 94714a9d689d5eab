"""Label Studio's data-manager actions (`/api/dm/actions`) and the export of selected tasks, on both
databases: the right rows go, counters follow, nothing else is touched."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_tasks_and_import import choice, make_project
from tests.api.test_views import text_filter


def setup_project(client: TestClient, n: int = 5) -> tuple[int, list[int]]:
    """n tasks, each with one annotation and one prediction; the second also a skip."""
    pid = make_project(client)
    items = [
        {
            "data": {"text": f"t{i}"},
            "annotations": [{"result": [choice("pos")]}],
            "predictions": [{"result": [choice("neg")], "model_version": "m"}],
        }
        for i in range(n)
    ]
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=true", json=items)
    assert r.status_code == 201, r.text
    ids = list(r.json()["task_ids"])
    r = client.post(f"/api/tasks/{ids[1]}/annotations", json={"result": [], "was_cancelled": True})
    assert r.status_code == 201
    return pid, ids


def act(client: TestClient, pid: int, action: str, body: dict[str, Any], **params: Any) -> Any:
    return client.post("/api/dm/actions", params={"id": action, "project": pid, **params}, json=body)


def project(client: TestClient, pid: int) -> dict[str, Any]:
    return dict(client.get(f"/api/projects/{pid}").json())


def remaining(client: TestClient, pid: int) -> list[dict[str, Any]]:
    return list(client.get("/api/tasks", params={"project": pid, "page_size": 100}).json()["tasks"])


def test_actions_are_listed_in_label_studio_shape(client: TestClient) -> None:
    pid = make_project(client)
    listed = client.get(f"/api/dm/actions/?project={pid}").json()
    assert [a["id"] for a in listed] == [
        "delete_tasks",
        "delete_tasks_annotations",
        "delete_tasks_predictions",
        "mark_gold",
        "unmark_gold",
    ]
    assert all(a["dialog"]["type"] == "confirm" and a["title"] for a in listed)


def test_delete_included_tasks_moves_the_counters(client: TestClient) -> None:
    pid, ids = setup_project(client)
    r = act(client, pid, "delete_tasks", {"selectedItems": {"all": False, "included": [ids[0], ids[1]]}})
    assert r.status_code == 200, r.text
    assert r.json()["processed_items"] == 2
    assert [t["id"] for t in remaining(client, pid)] == ids[2:]
    p = project(client, pid)
    assert (
        p["task_number"] == 3 and p["total_annotations_number"] == 3 and p["skipped_annotations_number"] == 0
    )
    assert p["total_predictions_number"] == 3 and p["num_tasks_with_annotations"] == 3
    assert client.get(f"/api/tasks/{ids[0]}").status_code == 404


def test_delete_all_but_excluded_within_a_view(client: TestClient) -> None:
    pid, ids = setup_project(client, 6)
    other, other_ids = setup_project(client, 2)
    view = client.post(
        "/api/dm/views",
        json={"project": pid, "data": {"title": "v", "filters": {"conjunction": "or", "items": [
            text_filter("equal", "t1"), text_filter("equal", "t2"), text_filter("equal", "t3")]}}},
    ).json()  # fmt: skip
    r = act(
        client, pid, "delete_tasks", {"selectedItems": {"all": True, "excluded": [ids[2]]}}, view=view["id"]
    )
    assert r.status_code == 200 and r.json()["processed_items"] == 2
    assert [t["id"] for t in remaining(client, pid)] == [ids[0], ids[2], ids[4], ids[5]]
    assert [t["id"] for t in remaining(client, other)] == other_ids  # another project untouched
    # all: true with no view and no exclusions: every task of the project.
    r = act(client, pid, "delete_tasks", {"selectedItems": {"all": True}})
    assert r.json()["processed_items"] == 4 and remaining(client, pid) == []
    assert project(client, pid)["task_number"] == 0 and project(client, pid)["total_annotations_number"] == 0
    assert len(remaining(client, other)) == 2


def test_delete_annotations_and_predictions_of_a_selection(client: TestClient) -> None:
    pid, ids = setup_project(client, 4)
    r = act(client, pid, "delete_tasks_annotations", {"selectedItems": {"all": True, "excluded": [ids[3]]}})
    assert r.status_code == 200 and r.json()["processed_items"] == 4  # 3 annotations and the skip
    tasks = {t["id"]: t for t in remaining(client, pid)}
    assert all(tasks[i]["annotations"] == [] and tasks[i]["total_annotations"] == 0 for i in ids[:3])
    assert tasks[ids[1]]["cancelled_annotations"] == 0 and not tasks[ids[0]]["is_labeled"]
    assert tasks[ids[3]]["total_annotations"] == 1 and tasks[ids[3]]["is_labeled"]
    p = project(client, pid)
    assert p["total_annotations_number"] == 1 and p["skipped_annotations_number"] == 0
    assert p["num_tasks_with_annotations"] == 1 and p["task_number"] == 4

    r = act(client, pid, "delete_tasks_predictions", {"selectedItems": {"all": False, "included": [ids[0]]}})
    assert r.status_code == 200 and r.json()["processed_items"] == 1
    tasks = {t["id"]: t for t in remaining(client, pid)}
    assert tasks[ids[0]]["predictions"] == [] and tasks[ids[0]]["total_predictions"] == 0
    assert tasks[ids[1]]["total_predictions"] == 1 and project(client, pid)["total_predictions_number"] == 3
    # The queue hands out the tasks whose annotations went.
    assert client.get(f"/api/projects/{pid}/next").json()["id"] == ids[0]


def test_bad_actions_are_400_and_touch_nothing(client: TestClient) -> None:
    pid, _ = setup_project(client, 2)
    assert act(client, pid, "drop_database", {"selectedItems": {"all": True}}).status_code == 400
    assert act(client, pid, "delete_tasks", {}).status_code == 400
    r = act(client, pid, "delete_tasks", {"selectedItems": {"all": False, "included": ["1; DROP"]}})
    assert r.status_code == 400 and "selectedItems.included" in r.json()["detail"]
    bad_filter = {
        "conjunction": "and",
        "items": [{"filter": "filter:tasks:users.password", "operator": "equal"}],
    }
    r = act(client, pid, "delete_tasks", {"selectedItems": {"all": True}, "filters": bad_filter})
    assert r.status_code == 400 and "users.password" in r.json()["detail"]
    assert client.post("/api/dm/actions", params={"id": "delete_tasks"}, json={}).status_code == 400
    assert len(remaining(client, pid)) == 2


def test_export_of_selected_ids_in_every_spelling(client: TestClient) -> None:
    pid, ids = setup_project(client, 4)
    for params in (
        [("ids", ids[0]), ("ids", ids[2])],
        [("ids[]", ids[0]), ("ids[]", ids[2])],
        [("ids", f"{ids[0]},{ids[2]}")],
    ):
        r = client.get(f"/api/projects/{pid}/export", params=[("exportType", "JSON"), *params])
        assert r.status_code == 200, r.text
        assert sorted(t["id"] for t in r.json()) == [ids[0], ids[2]], params
    r = client.get(f"/api/projects/{pid}/export", params={"exportType": "CSV", "ids": str(ids[1])})
    assert r.status_code == 200 and r.text.count("\n") == 2  # header and one row
    assert client.get(f"/api/projects/{pid}/export", params={"ids": "1,x"}).status_code == 400
    # A selection is not narrowed to annotated tasks: an unannotated selected task is exported too.
    act(client, pid, "delete_tasks_annotations", {"selectedItems": {"all": False, "included": [ids[3]]}})
    r = client.get(f"/api/projects/{pid}/export", params={"ids": str(ids[3])})
    assert [t["id"] for t in r.json()] == [ids[3]]
    assert json.loads(client.get(f"/api/projects/{pid}/export").text)  # without ids: unchanged behaviour
