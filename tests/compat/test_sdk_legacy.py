"""label-studio-sdk legacy 1.x client (``label_studio_sdk.Client``) against a live Labelwise server.

The legacy client always sends ``Authorization: Token <key>``, mostly uses paths without a trailing slash,
and ends task paging only on HTTP 404. See docs/sdk-contract.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from label_studio_sdk import Client
from label_studio_sdk._legacy.project import Project
from label_studio_sdk._legacy.users import User

from ._scenario import (
    DANGLING_CONFIG,
    LABEL_CONFIG,
    MALFORMED_CONFIG,
    MISSING_ID,
    N_TASKS,
    PAGE_SIZE,
    ImportPlan,
    build_import,
    canon,
    choices_result,
    unique_title,
)

pytestmark = pytest.mark.compat


@pytest.fixture
def legacy(live_server: Any) -> Client:
    return Client(url=live_server.url, api_key=live_server.token)


@pytest.fixture
def new_project(legacy: Client) -> Iterator[Any]:
    """Factory creating uniquely titled projects; deletes whatever is left of them afterwards."""
    created: list[int] = []

    def make(label: str, **params: Any) -> Project:
        params.setdefault("label_config", LABEL_CONFIG)
        project = legacy.create_project(title=unique_title(label), **params)
        assert isinstance(project.id, int)
        created.append(project.id)
        return project

    yield make
    for project_id in created:
        legacy.make_request("DELETE", f"/api/projects/{project_id}/", raise_exceptions=False)


@dataclass
class Imported:
    project: Project
    plan: ImportPlan
    returned_ids: list[int]
    task_ids: dict[str, int]  # data["text"] -> task id


@pytest.fixture
def imported(new_project: Any, request: pytest.FixtureRequest) -> Imported:
    project = new_project(request.node.name[:40])
    plan = build_import()
    returned_ids = project.import_tasks(plan.items)
    tasks = collect_pages(project)
    return Imported(project, plan, returned_ids, {t["data"]["text"]: t["id"] for t in tasks})


def collect_pages(project: Project) -> list[dict[str, Any]]:
    """Page with get_paginated_tasks and require the page after the last one to end pagination (HTTP 404).

    ``Project.get_tasks`` loops until it sees that 404, so checking it page by page first keeps a
    server that answers 200 forever from hanging the suite.
    """
    tasks: list[dict[str, Any]] = []
    for page in range(1, N_TASKS // PAGE_SIZE + 3):
        data = project.get_paginated_tasks(page=page, page_size=PAGE_SIZE)
        if data.get("end_pagination"):
            return tasks
        assert data["tasks"], f"page {page} is empty but was not answered with 404"
        tasks.extend(data["tasks"])
    pytest.fail("pagination did not end with a 404")


def http_status(exc: pytest.ExceptionInfo[requests.HTTPError]) -> int:
    assert exc.value.response is not None
    return exc.value.response.status_code


COUNTERS = (
    "task_number",
    "total_annotations_number",
    "num_tasks_with_annotations",
    "total_predictions_number",
)


def project_counters(legacy: Client, project_id: int) -> dict[str, Any]:
    params = legacy.get_project(project_id).get_params()
    return {k: params[k] for k in COUNTERS}


# --- connection / users ------------------------------------------------------------------------


def test_check_connection_version_whoami_token(legacy: Client, live_server: Any) -> None:
    assert legacy.check_connection()["status"] == "UP"
    assert isinstance(legacy.versions, dict)
    assert legacy.is_enterprise is False
    me = legacy.make_request("GET", "/api/current-user/whoami").json()
    assert me["email"] == live_server.email
    assert isinstance(me["id"], int)
    token = legacy.make_request("GET", "/api/current-user/token").json()
    assert token["token"] == live_server.token

    with pytest.raises(requests.HTTPError) as exc:
        Client(url=live_server.url, api_key="0" * 40).make_request("GET", "/api/projects")
    assert http_status(exc) == 401


def test_users_list_and_create(legacy: Client, live_server: Any) -> None:
    users = legacy.get_users()  # every item is validated by the strict pydantic User model
    assert live_server.email in {u.email for u in users}
    assert all(isinstance(u, User) for u in users)

    username = unique_title("legacy user").replace(" ", "-")
    email = f"{username}@example.com"
    created = legacy.create_user(
        {"username": username, "email": email, "first_name": "Legacy", "last_name": "User", "phone": ""}
    )
    assert created is not None, "create_user returned None (the server answered >= 400)"
    assert created.email == email
    assert created.username == username
    assert email in {u.email for u in legacy.get_users()}


# --- projects ----------------------------------------------------------------------------------


def test_project_create_get_set_params(legacy: Client, new_project: Any) -> None:
    project = new_project("crud", description="legacy description")
    assert project.title.startswith("compat crud")
    assert project.label_config == LABEL_CONFIG
    assert project.parsed_label_config["sentiment"]["labels"] == ["positive", "negative"]

    fetched = legacy.get_project(project.id)
    params = fetched.get_params()
    assert params["id"] == project.id
    assert params["title"] == project.title
    assert params["description"] == "legacy description"
    assert params["task_number"] == 0
    assert params["total_annotations_number"] == 0
    assert params["num_tasks_with_annotations"] == 0

    new_title = unique_title("crud renamed")
    fetched.set_params(title=new_title)  # asserts the PATCH answered exactly 200
    assert legacy.get_project(project.id).get_params()["title"] == new_title


def test_invalid_label_config_raises(legacy: Client, new_project: Any) -> None:
    project = new_project("invalid update")
    for bad_config in (MALFORMED_CONFIG, DANGLING_CONFIG):
        with pytest.raises(requests.HTTPError) as exc:
            created = legacy.create_project(title=unique_title("invalid"), label_config=bad_config)
            legacy.delete_project(created.id)  # only reached if the server wrongly accepted it
        assert http_status(exc) == 400

        with pytest.raises(requests.HTTPError) as exc:
            project.set_params(label_config=bad_config)
        assert http_status(exc) == 400
        assert legacy.get_project(project.id).get_params()["label_config"] == LABEL_CONFIG


def test_unknown_ids_are_404(legacy: Client, new_project: Any) -> None:
    with pytest.raises(requests.HTTPError) as exc:
        legacy.get_project(MISSING_ID)
    assert http_status(exc) == 404
    project = new_project("missing ids")
    for call in (
        lambda: project.get_task(MISSING_ID),
        lambda: project.get_annotation(MISSING_ID),
        lambda: project.update_task(MISSING_ID, data={"text": "x"}),
        lambda: project.create_annotation(MISSING_ID, result=choices_result("positive", "x")),
    ):
        with pytest.raises(requests.HTTPError) as exc:
            call()
        assert http_status(exc) == 404


def test_list_and_delete_project(legacy: Client, new_project: Any) -> None:
    mine = {new_project(f"list {i}").id for i in range(3)}
    listed = [p.id for p in legacy.list_projects()]
    assert len(listed) == len(set(listed))
    assert mine <= set(listed)

    victim = next(iter(mine))
    response = legacy.delete_project(victim)
    assert response.status_code in (200, 204)
    with pytest.raises(requests.HTTPError) as exc:
        legacy.get_project(victim)
    assert http_status(exc) == 404
    assert victim not in {p.id for p in legacy.list_projects()}


# --- import and tasks --------------------------------------------------------------------------


def test_import_from_json_file(new_project: Any, tmp_path: Path) -> None:
    project = new_project("file import")
    path = tmp_path / "tasks.json"
    items = [{"text": f"from file {i}"} for i in range(7)]
    items.append({"data": {"text": "structured from file"}, "predictions": [{"result": [], "score": 0.1}]})
    path.write_text(json.dumps(items))
    ids = project.import_tasks(str(path))
    assert len(ids) == len(set(ids)) == 8
    texts = {t["data"]["text"] for t in project.get_tasks()}
    assert texts == {f"from file {i}" for i in range(7)} | {"structured from file"}


def test_import_counters_and_get_tasks_paging(legacy: Client, imported: Imported) -> None:
    project, plan = imported.project, imported.plan
    returned = imported.returned_ids  # what Project.import_tasks returned
    assert len(returned) == N_TASKS
    assert all(isinstance(i, int) for i in returned)
    assert set(returned) == set(imported.task_ids.values())
    assert project_counters(legacy, project.id) == {
        "task_number": N_TASKS,
        "total_annotations_number": plan.n_annotations,
        "num_tasks_with_annotations": plan.n_tasks_with_annotations,
        "total_predictions_number": plan.n_predictions,
    }

    # The fixture already required page 4 to answer 404; now the SDK's own loops.
    tasks = project.get_tasks()
    ids = [t["id"] for t in tasks]
    assert len(ids) == N_TASKS
    assert len(set(ids)) == N_TASKS, "a task was returned on two pages"
    assert set(ids) == set(imported.task_ids.values())
    assert sorted(project.get_tasks_ids()) == sorted(ids)

    first = project.get_paginated_tasks(page=1, page_size=PAGE_SIZE)
    assert first["total"] == N_TASKS
    assert first["total_annotations"] == plan.n_annotations
    assert first["total_predictions"] == plan.n_predictions
    assert len(first["tasks"]) == PAGE_SIZE
    assert project.get_paginated_tasks(page=4, page_size=PAGE_SIZE) == {"tasks": [], "end_pagination": True}

    for task in tasks:
        expected = plan.tasks[task["data"]["text"]]
        assert task["data"] == {"text": expected.text}
        if expected.meta is not None:
            assert task["meta"] == expected.meta
        assert canon([a["result"] for a in task["annotations"]]) == canon(expected.annotations)
        assert canon([p["result"] for p in task["predictions"]]) == canon(expected.predictions)
        assert task["total_annotations"] == len(expected.annotations)
        assert task["total_predictions"] == len(expected.predictions)


def test_get_labeled_tasks(imported: Imported) -> None:
    labeled = imported.project.get_labeled_tasks()
    expected = {imported.task_ids[t] for t in imported.plan.annotated_texts()}
    assert {t["id"] for t in labeled} == expected
    assert set(imported.project.get_labeled_tasks_ids()) == expected
    unlabeled = imported.project.get_unlabeled_tasks_ids()
    assert set(unlabeled) == set(imported.task_ids.values()) - expected


def test_task_get_update_delete(legacy: Client, imported: Imported) -> None:
    project = imported.project
    text = imported.plan.annotated_texts()[0]
    task_id = imported.task_ids[text]
    task = project.get_task(task_id)
    assert task["id"] == task_id
    assert task["data"] == {"text": text}
    assert task["project"] == project.id
    assert task["is_labeled"] is True
    for key in ("annotations", "predictions", "created_at", "updated_at", "inner_id", "meta"):
        assert key in task

    updated = project.update_task(task_id, data={"text": "changed"}, meta={"edited": True})
    assert updated["data"] == {"text": "changed"}
    assert project.get_task(task_id)["meta"] == {"edited": True}

    response = project.delete_task(task_id)
    assert response.status_code in (200, 204)
    with pytest.raises(requests.HTTPError) as exc:
        project.get_task(task_id)
    assert http_status(exc) == 404
    counters = project_counters(legacy, project.id)
    assert counters["task_number"] == N_TASKS - 1
    assert counters["num_tasks_with_annotations"] == imported.plan.n_tasks_with_annotations - 1


def test_next_task(imported: Imported) -> None:
    project = imported.project
    response = project.make_request("GET", f"/api/projects/{project.id}/next")
    assert response.status_code == 200
    task = response.json()
    assert task["id"] in set(imported.task_ids.values())
    assert imported.plan.tasks[task["data"]["text"]].annotations == []


# --- annotations and predictions ---------------------------------------------------------------


def test_annotation_lifecycle_and_counters(legacy: Client, imported: Imported) -> None:
    project, plan = imported.project, imported.plan
    targets = [imported.task_ids[t] for t in plan.unannotated_texts()[:3]]
    created = []
    for n, task_id in enumerate(targets):
        result = choices_result("negative", f"legacy-a{n}")
        annotation = project.create_annotation(task_id, result=result, ground_truth=False, lead_time=4.0)
        assert isinstance(annotation["id"], int)
        assert annotation["result"] == result
        assert annotation["task"] == task_id
        created.append(annotation)
    counters = project_counters(legacy, project.id)
    assert counters["total_annotations_number"] == plan.n_annotations + 3
    assert counters["num_tasks_with_annotations"] == plan.n_tasks_with_annotations + 3

    first = created[0]
    assert [a["id"] for a in project.list_annotations(targets[0])] == [first["id"]]
    assert project.get_annotation(first["id"])["result"] == first["result"]
    new_result = choices_result("positive", "legacy-a0")
    assert project.update_annotation(first["id"], result=new_result)["result"] == new_result
    assert project.get_annotation(first["id"])["result"] == new_result
    assert project.get_task(targets[0])["is_labeled"] is True

    assert project.delete_annotation(created[1]["id"]) in (200, 204)
    with pytest.raises(requests.HTTPError) as exc:
        project.get_annotation(created[1]["id"])
    assert http_status(exc) == 404
    assert project.list_annotations(targets[1]) == []
    counters = project_counters(legacy, project.id)
    assert counters["total_annotations_number"] == plan.n_annotations + 2
    assert counters["num_tasks_with_annotations"] == plan.n_tasks_with_annotations + 2


def test_create_prediction_and_bulk_predictions(legacy: Client, imported: Imported) -> None:
    project, plan = imported.project, imported.plan
    texts = plan.unannotated_texts()
    task_id = imported.task_ids[texts[0]]
    result = choices_result("positive", "legacy-p0")
    prediction = project.create_prediction(task_id, result=result, score=0.625, model_version="legacy-v1")
    assert isinstance(prediction["id"], int)
    assert prediction["task"] == task_id
    assert prediction["result"] == result
    assert prediction["score"] == pytest.approx(0.625)
    assert prediction["model_version"] == "legacy-v1"

    bulk = [
        {"task": imported.task_ids[t], "result": choices_result("negative", f"bulk-{n}"), "score": 0.5}
        for n, t in enumerate(texts[1:5])
    ]
    assert project.create_predictions(bulk)["created"] == len(bulk)
    total = project_counters(legacy, project.id)["total_predictions_number"]
    assert total == plan.n_predictions + 1 + len(bulk)
    task = project.get_task(bulk[0]["task"])
    assert canon([p["result"] for p in task["predictions"]]) == canon([bulk[0]["result"]])


def test_get_model_versions_counts_predictions_per_version(new_project: Any) -> None:
    project = new_project("model versions")
    [task_id] = project.import_tasks([{"text": "one"}])
    for version in ("v-a", "v-b", "v-b"):
        project.create_prediction(task_id, result=choices_result("positive", version), model_version=version)
    assert project.get_model_versions() == {"v-a": 1, "v-b": 2}


def test_create_prediction_shorthand_result(imported: Imported) -> None:
    """create_prediction documents ``result="Class A"`` and ``result={"choices": [...]}`` as valid input."""
    project, plan = imported.project, imported.plan
    shorthands: list[Any] = ["negative", {"choices": ["positive"]}]
    for text, shorthand in zip(plan.unannotated_texts()[:2], shorthands, strict=True):
        prediction = project.create_prediction(imported.task_ids[text], result=shorthand, score=0.3)
        (region,) = prediction["result"]
        assert region["from_name"] == "sentiment"
        assert region["to_name"] == "text"
        assert region["type"] == "choices"
        expected = shorthand["choices"] if isinstance(shorthand, dict) else [shorthand]
        assert region["value"]["choices"] == expected


# --- export ------------------------------------------------------------------------------------


def test_export_tasks_json(imported: Imported) -> None:
    project, plan = imported.project, imported.plan
    text = plan.unannotated_texts()[0]
    extra = choices_result("positive", "legacy-export")
    project.create_annotation(imported.task_ids[text], result=extra)
    plan.tasks[text].annotations.append(extra)

    # Default download_all_tasks=False: only tasks carrying annotations.
    annotated = project.export_tasks(export_type="JSON")
    expected_ids = {imported.task_ids[t] for t in plan.annotated_texts()}
    assert {t["id"] for t in annotated} == expected_ids

    exported = project.export_tasks(export_type="JSON", download_all_tasks=True)
    by_id = {t["id"]: t for t in exported}
    assert len(by_id) == len(exported) == N_TASKS
    assert set(by_id) == set(imported.task_ids.values())
    for text, task_id in imported.task_ids.items():
        task, expected = by_id[task_id], plan.tasks[text]
        assert task["data"] == {"text": text}
        assert canon([a["result"] for a in task["annotations"]]) == canon(expected.annotations)
        assert canon([p["result"] for p in task["predictions"]]) == canon(expected.predictions)

    subset = sorted(imported.task_ids.values())[:5]
    assert {t["id"] for t in project.export_tasks(download_all_tasks=True, ids=subset)} == set(subset)
