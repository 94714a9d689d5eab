"""Routes served by `api.lean`: chosen by shape, documented, and erroring like FastAPI's."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from labelwise.api.lean import LeanRoute
from tests.api.test_tasks_and_import import choice, make_project


def _route(app: FastAPI, method: str, path: str) -> APIRoute:
    [route] = [
        r for r in app.router.routes if isinstance(r, APIRoute) and r.path == path and method in r.methods
    ]
    return route


def test_lean_only_where_every_parameter_is_of_the_simple_kinds(app: FastAPI) -> None:
    assert isinstance(_route(app, "POST", "/api/tasks/{task_id}/annotations"), LeanRoute)
    assert isinstance(_route(app, "GET", "/api/projects/{project_id}/next"), LeanRoute)
    # query parameters need FastAPI's validation: those routes keep its handler
    assert not isinstance(_route(app, "GET", "/api/tasks"), LeanRoute)
    assert not isinstance(_route(app, "GET", "/api/projects/{project_id}/export"), LeanRoute)


def test_lean_routes_stay_in_the_openapi_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/tasks/{task_id}/annotations"]["post"]
    assert [(p["name"], p["in"], p["schema"]["type"]) for p in post["parameters"]] == [
        ("task_id", "path", "integer")
    ]


def test_non_integer_path_id_is_400_naming_the_parameter(client: TestClient) -> None:
    for path in (
        "/api/tasks/abc",
        "/api/tasks/1.5/annotations",
        "/api/projects/%20/next",
        "/api/tasks/1_0",
        "/api/tasks/%D9%A5",
    ):
        r = client.get(path)
        assert r.status_code == 400, (path, r.text)
        name = "project_id" if "projects" in path else "task_id"
        assert name in r.json()["validation_errors"], r.text
    r = client.post("/api/tasks/x1/annotations", json={"result": [choice("pos")]})
    assert r.status_code == 400 and "task_id" in r.json()["detail"]


def test_errors_and_auth_on_lean_routes_answer_like_the_rest(client: TestClient, anon: TestClient) -> None:
    pid = make_project(client)
    assert anon.get(f"/api/projects/{pid}").status_code == 401
    missing = client.post("/api/tasks/987654/annotations", json={"result": [choice("pos")]})
    assert missing.status_code == 404 and missing.json()["detail"] == "task 987654 not found"
    bad_json = client.post(
        "/api/tasks/1/annotations", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400 and "body" in bad_json.json()["detail"]


def test_an_annotators_routes_run_on_the_hot_lane_and_the_rest_on_the_pool(
    app: FastAPI, client: TestClient
) -> None:
    pid = make_project(client)
    client.post(f"/api/projects/{pid}/import", json=[{"text": "a"}, {"text": "b"}])
    task = client.get(f"/api/projects/{pid}/next").json()
    assert (
        client.post(f"/api/tasks/{task['id']}/annotations", json={"result": [choice("pos")]}).status_code
        == 201
    )
    client.get(f"/api/projects/{pid}")  # a lean route that is not hot
    hot, pool = app.state.hot_executor, app.state.executor
    sqlite = app.state.engine.dialect.name == "sqlite"
    assert hot._max_workers == (1 if sqlite else app.state.settings.request_threads)
    assert pool._max_workers == app.state.settings.request_threads
    assert {t.name.split("_")[0] for t in hot._threads} == {"labelwise-hot"}
    assert {t.name.split("_")[0] for t in pool._threads} == {"labelwise-executor"}
