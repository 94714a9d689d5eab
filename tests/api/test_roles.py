"""Every endpoint against every role: the route table and the minimum project role each needs.

The table is the contract; a route missing from it fails `test_every_route_is_in_the_role_table`, so a
new endpoint cannot ship without saying who may call it. For each route, a member of the project whose
role is below the minimum gets 403, and one at the minimum does not; someone outside the project gets
404 for anything inside it (a project they may not see does not exist for them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelwise.app import ROUTERS
from labelwise.db.models import Job, MLBackend
from labelwise.db.runtime import Database
from labelwise.services import users
from labelwise.settings import Settings
from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member

RANK = {"annotator": 0, "reviewer": 1, "manager": 2, "admin": 3}
# Routes outside any project's roles: public, the caller's own account, their own drafts (drafts are
# found only by their owner), and helpers that read nothing stored.
SELF_SERVICE = {
    "GET /health", "GET /api/version", "POST /api/auth/login", "POST /api/auth/logout",
    "GET /api/current-user/whoami", "GET /api/current-user/token", "POST /api/current-user/reset-token",
    "GET /api/token", "POST /api/token", "POST /api/token/refresh", "POST /api/token/blacklist",
    "DELETE /api/token/{token_id}", "POST /api/auth/signup", "GET /api/auth/signup",
    "POST /api/projects/validate", "POST /api/labeling/preview", "POST /api/labeling/markdown",
    "GET /api/drafts/{draft_id}", "PATCH /api/drafts/{draft_id}", "DELETE /api/drafts/{draft_id}",
    "GET /api/users", "GET /api/users/{user_id}", "GET /data/local-files", "GET /api/webhooks/info",
}  # fmt: skip
# The lowest project role that may call each route (organization-wide routes: the organization role).
MINIMUM = {
    "PATCH /api/users/{user_id}": "admin",
    "DELETE /api/users/{user_id}": "admin",
    "POST /api/users": "admin",
    "GET /api/invite": "admin",
    "POST /api/invite/reset-token": "admin",
    "GET /api/projects": "annotator",
    "POST /api/projects": "manager",
    "GET /api/projects/{project_id}": "annotator",
    "PATCH /api/projects/{project_id}": "manager",
    "DELETE /api/projects/{project_id}": "manager",
    "POST /api/projects/{project_id}/validate": "annotator",
    "GET /api/projects/{project_id}/next": "annotator",
    "DELETE /api/projects/{project_id}/tasks": "manager",
    "GET /api/projects/{project_id}/members": "reviewer",
    "GET /api/projects/{project_id}/members/paginated": "reviewer",
    "POST /api/projects/{project_id}/members": "manager",
    "DELETE /api/projects/{project_id}/members": "manager",
    "POST /api/projects/{project_id}/import": "manager",
    "POST /api/projects/{project_id}/reimport": "manager",
    "POST /api/projects/{project_id}/import/predictions": "manager",
    "GET /api/projects/{project_id}/imports/{import_id}": "manager",
    "GET /api/projects/{project_id}/export/formats": "manager",
    "GET /api/projects/{project_id}/export": "manager",
    "GET /api/projects/{project_id}/exports": "manager",
    "POST /api/projects/{project_id}/exports": "manager",
    "GET /api/projects/{project_id}/exports/{export_pk}": "manager",
    "DELETE /api/projects/{project_id}/exports/{export_pk}": "manager",
    "POST /api/projects/{project_id}/exports/{export_pk}/convert": "manager",
    "GET /api/projects/{project_id}/exports/{export_pk}/download": "manager",
    "GET /api/tasks": "reviewer",
    "POST /api/tasks": "manager",
    "GET /api/tasks/{task_id}": "reviewer",  # annotators: only tasks handed to them (test_access.py)
    "PATCH /api/tasks/{task_id}": "manager",
    "DELETE /api/tasks/{task_id}": "manager",
    "GET /api/tasks/{task_id}/annotations": "reviewer",
    "POST /api/tasks/{task_id}/annotations": "annotator",
    "GET /api/annotations/{annotation_id}": "reviewer",  # annotators: their own (test_access.py)
    "PATCH /api/annotations/{annotation_id}": "manager",  # authors change their own
    "DELETE /api/annotations/{annotation_id}": "manager",
    "GET /api/annotation-history": "reviewer",
    "GET /api/annotation-history/{entry_id}": "reviewer",
    "DELETE /api/annotation-history": "manager",
    "POST /api/annotation-history/{entry_id}/restore": "manager",
    "GET /api/projects/{project_id}/annotation-history": "manager",
    "GET /api/trash": "admin",
    "POST /api/trash/{deletion_id}/restore": "admin",
    "GET /api/activity-logs": "admin",
    "GET /api/predictions": "annotator",
    "POST /api/predictions": "manager",
    "GET /api/predictions/{prediction_id}": "annotator",
    "PATCH /api/predictions/{prediction_id}": "manager",
    "DELETE /api/predictions/{prediction_id}": "manager",
    "GET /api/storages": "manager",
    "GET /api/storages/localfiles": "manager",
    "POST /api/storages/localfiles": "manager",
    "POST /api/storages/localfiles/validate": "manager",
    "GET /api/storages/localfiles/{storage_id}": "manager",
    "PATCH /api/storages/localfiles/{storage_id}": "manager",
    "DELETE /api/storages/localfiles/{storage_id}": "manager",
    "POST /api/storages/localfiles/{storage_id}/sync": "manager",
    "GET /api/storages/s3": "manager",
    "POST /api/storages/s3": "manager",
    "POST /api/storages/s3/validate": "manager",
    "GET /api/storages/s3/{storage_id}": "manager",
    "PATCH /api/storages/s3/{storage_id}": "manager",
    "DELETE /api/storages/s3/{storage_id}": "manager",
    "POST /api/storages/s3/{storage_id}/sync": "manager",
    "GET /api/projects/{project_id}/file-uploads": "manager",
    "DELETE /api/projects/{project_id}/file-uploads": "manager",
    "GET /api/import/file-upload/{upload_id}": "manager",
    "PATCH /api/import/file-upload/{upload_id}": "manager",
    "DELETE /api/import/file-upload/{upload_id}": "manager",
    "GET /data/upload/{project_id}/{name}": "annotator",
    "GET /tasks/{task_id}/resolve": "reviewer",
    "GET /tasks/{task_id}/presign": "reviewer",
    "GET /projects/{project_id}/resolve": "reviewer",
    "GET /projects/{project_id}/presign": "reviewer",
    "GET /tasks/{task_id}/media": "reviewer",
    "GET /api/tasks/{task_id}/editor": "reviewer",
    "GET /api/tasks/{task_id}/drafts": "annotator",
    "POST /api/tasks/{task_id}/drafts": "annotator",
    "POST /api/tasks/{task_id}/annotations/{annotation_id}/drafts": "reviewer",
    "GET /api/annotation-reviews": "reviewer",
    "POST /api/annotation-reviews": "reviewer",
    "GET /api/annotation-reviews/{review_id}": "reviewer",
    "PATCH /api/annotation-reviews/{review_id}": "reviewer",  # its reviewer, or a manager
    "DELETE /api/annotation-reviews/{review_id}": "reviewer",
    "GET /api/projects/{project_id}/next-review": "reviewer",
    "POST /api/projects/{project_id}/tasks/assignees": "manager",
    "DELETE /api/projects/{project_id}/tasks/assignees": "manager",
    "GET /api/projects/{project_id}/tasks/{task_pk}/assignees": "manager",
    "POST /api/projects/{project_id}/tasks/{task_pk}/assignees": "manager",
    "PATCH /api/projects/{project_id}/tasks/{task_pk}/assignees": "manager",
    "DELETE /api/projects/{project_id}/tasks/{task_pk}/assignees": "manager",
    "GET /api/projects/{project_id}/members/{user_pk}/pauses": "manager",
    "POST /api/projects/{project_id}/members/{user_pk}/pauses": "manager",
    "GET /api/projects/{project_id}/members/{user_pk}/pauses/{pause_id}": "manager",
    "PATCH /api/projects/{project_id}/members/{user_pk}/pauses/{pause_id}": "manager",
    "DELETE /api/projects/{project_id}/members/{user_pk}/pauses/{pause_id}": "manager",
    "GET /api/projects/{project_id}/gold": "manager",
    "POST /api/projects/{project_id}/gold": "manager",
    "DELETE /api/projects/{project_id}/gold": "manager",
    "DELETE /api/projects/{project_id}/members/{user_id}/exam": "manager",
    "GET /api/dm/views": "reviewer",
    "POST /api/dm/views": "manager",
    "DELETE /api/dm/views/reset": "manager",
    "POST /api/dm/views/order": "manager",
    "GET /api/dm/views/{view_id}": "reviewer",
    "PATCH /api/dm/views/{view_id}": "manager",
    "PUT /api/dm/views/{view_id}": "manager",
    "DELETE /api/dm/views/{view_id}": "manager",
    "GET /api/dm/actions": "reviewer",
    "POST /api/dm/actions": "manager",
    "GET /api/webhooks": "manager",
    "POST /api/webhooks": "manager",
    "GET /api/webhooks/{webhook_id}": "manager",
    "PATCH /api/webhooks/{webhook_id}": "manager",
    "PUT /api/webhooks/{webhook_id}": "manager",
    "DELETE /api/webhooks/{webhook_id}": "manager",
    "GET /api/webhooks/{webhook_id}/deliveries": "manager",
    "GET /api/projects/{project_id}/stats": "manager",
    "GET /api/projects/{project_id}/stats/users/{user_id}": "manager",  # each member: their own (test_stats.py)
    "GET /api/projects/{project_id}/stats/finished": "manager",  # with ?user_pk=<self>: each member
    "GET /api/projects/{project_id}/stats/lead_time": "manager",
    "GET /api/projects/{project_id}/stats/IAA": "manager",
    "POST /api/projects/{project_id}/prompts/preview": "manager",
    "POST /api/projects/{project_id}/prompts/evaluate": "manager",
    "GET /api/projects/{project_id}/prompts/evaluations": "manager",
    "POST /api/projects/{project_id}/aggregate": "manager",
    "GET /api/projects/{project_id}/aggregate": "manager",
    "GET /api/projects/{project_id}/agreement": "manager",
    "POST /api/projects/{project_id}/agreement/recompute": "manager",
    "GET /api/ml": "manager",
    "POST /api/ml": "manager",
    "GET /api/ml/{ml_id}": "manager",
    "PATCH /api/ml/{ml_id}": "manager",
    "DELETE /api/ml/{ml_id}": "manager",
    "POST /api/ml/{ml_id}/validate": "manager",
    "GET /api/ml/{ml_id}/versions": "manager",
    "GET /api/projects/{project_id}/model-versions": "manager",
    "GET /api/projects/{project_id}/model-versions/compare": "manager",
    "POST /api/ml/{ml_id}/train": "manager",
    "POST /api/ml/{ml_id}/predict": "manager",
    "POST /api/ml/{ml_id}/predict/test": "manager",
    "POST /api/ml/{ml_id}/evaluate": "manager",
    "POST /api/ml/{ml_id}/interactive-annotating": "annotator",  # on tasks they may see (tests/ml)
    "GET /api/ml/{ml_id}/jobs": "manager",
    "GET /api/ml/{ml_id}/jobs/{job_id}": "manager",
    "POST /api/ml/{ml_id}/jobs/{job_id}/cancel": "manager",
}


# An annotator asking for a task (or another's annotation) that is not theirs finds nothing (404): the
# id might as well not exist. test_access.py shows the same routes answer for the annotator's own tasks.
NOT_THEIRS = {
    "GET /api/tasks/{task_id}", "GET /api/tasks/{task_id}/annotations", "GET /api/annotations/{annotation_id}",
    "GET /api/annotation-history", "GET /api/annotation-history/{entry_id}",
    "GET /tasks/{task_id}/resolve", "GET /tasks/{task_id}/presign",
    "GET /tasks/{task_id}/media", "GET /api/tasks/{task_id}/editor",
    "POST /api/tasks/{task_id}/annotations/{annotation_id}/drafts",
}  # fmt: skip


# An S3 storage needs the S3 server of tests/storage; test_s3.py checks these routes refuse annotators.
ELSEWHERE = {
    "GET /api/storages/s3/{storage_id}", "PATCH /api/storages/s3/{storage_id}",
    "DELETE /api/storages/s3/{storage_id}", "POST /api/storages/s3/{storage_id}/sync",
}  # fmt: skip


def _routes() -> list[str]:
    return [
        f"{method} {route.path}"
        for router in ROUTERS
        for route in router.routes
        for method in sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"})
    ]


def test_every_route_is_in_the_role_table() -> None:
    missing = [r for r in _routes() if r not in MINIMUM and r not in SELF_SERVICE]
    assert missing == []
    assert not set(MINIMUM) & SELF_SERVICE


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The usual settings with a local-files root, so the world can hold a local storage."""
    (tmp_path / "files" / "shots").mkdir(parents=True)
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, local_files_root=str(tmp_path / "files")
    )


@pytest.fixture
def world(client: TestClient, database: Database) -> dict[str, Any]:
    """One project with a bit of everything, its ids, and tokens of members of each lower role."""
    pid = make_project(client)
    imported = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": "a"}, {"text": "b"}]
    )
    tid = imported.json()["task_ids"][0]
    upload = client.post(f"/api/projects/{pid}/import?commit_to_project=false",
                         files=[("file", ("t.csv", b"text\nx\n", "text/csv"))]).json()  # fmt: skip
    aid = client.post(f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]}).json()["id"]
    entry = client.get("/api/annotation-history", params={"annotation": aid}).json()[0]["id"]
    client.delete(f"/api/tasks/{imported.json()['task_ids'][1]}")
    deletion = client.get("/api/trash").json()["results"][0]["id"]
    pred = client.post("/api/predictions", json={"task": tid, "result": [choice("pos")], "score": 0.5}).json()
    view = client.post("/api/dm/views", json={"project": pid, "data": {}}).json()["id"]
    export = client.post(f"/api/projects/{pid}/exports", json={}).json()["id"]
    storage = client.post("/api/storages/localfiles", json={"project": pid, "path": "shots"})
    assert storage.status_code == 201, storage.text
    hook = client.post(
        "/api/webhooks", json={"project": pid, "url": "http://93.184.216.34/x", "is_active": False}
    )
    assert hook.status_code == 201, hook.text  # inactive: nothing is ever sent
    ids = {
        "project_id": pid, "task_id": tid, "annotation_id": aid, "prediction_id": pred["id"],
        "view_id": view, "export_pk": export, "upload_id": upload["file_upload_ids"][0],
        "import_id": imported.json().get("import", 1) or 1, "storage_id": storage.json()["id"], "user_id": 1, "name": "x.png",
        "entry_id": entry, "deletion_id": deletion,
        "webhook_id": hook.json()["id"], "task_pk": tid,
    }  # fmt: skip
    with database.sessionmaker() as s:
        made = {role: member(s, pid, f"{role}@example.com", role) for role in ("annotator", "reviewer")}
        people = {role: user.token for role, user in made.items()}
        ids["user_pk"] = member(s, pid, "paused@example.com").id  # paused below; the others work
        ml = MLBackend(project_id=pid, url="http://93.184.216.34:9", title="m")  # never asked here
        s.add(ml)
        s.flush()
        run = Job(kind="ml.predict", project_id=pid, params={"connection_id": ml.id}, status="cancelled")
        s.add(run)
        s.flush()
        ids["ml_id"], ids["job_id"] = ml.id, run.id
        people["outsider"] = users.create(s, "outsider@example.com", "password-123", "reviewer").token
        people["manager"] = users.create(s, "manager@example.com", "password-123", "manager").token
        s.commit()
    review = client.post("/api/annotation-reviews", json={"annotation": aid, "accepted": True},
                         headers={"Authorization": f"Token {people['reviewer']}"})  # fmt: skip
    assert review.status_code == 201, review.text
    ids["review_id"] = review.json()["id"]
    pause = client.post(f"/api/projects/{pid}/members/{ids['user_pk']}/pauses", json={"reason": "MANUAL"})
    assert pause.status_code == 201, pause.text
    ids["pause_id"] = pause.json()["id"]
    return {"ids": ids, "tokens": people}


def _fill(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)


def _params(path: str, ids: dict[str, Any]) -> dict[str, Any]:
    """Query parameters a route needs to reach its policy check (the project it is about)."""
    if path in ("/api/tasks", "/api/dm/views", "/api/predictions", "/api/dm/actions", "/api/storages",
                "/api/storages/localfiles", "/api/storages/s3", "/api/dm/views/reset", "/api/webhooks", "/api/ml"):  # fmt: skip
        return {"project": ids["project_id"]}
    if path == "/api/annotation-reviews":
        return {"annotation": ids["annotation_id"]}
    if path == "/api/annotation-history":
        return {"annotation": ids["annotation_id"]}
    if path == "/api/projects/{project_id}/members":
        return {"user": 1}
    return {}


def _body(path: str, ids: dict[str, Any]) -> dict[str, Any]:
    if path == "/api/annotation-reviews":
        return {"annotation": ids["annotation_id"], "accepted": True}
    return {"project": ids["project_id"], "task": ids["task_id"], "result": [], "user": 1}


@pytest.fixture
def calls(client: TestClient, world: dict[str, Any]) -> Iterator[Any]:
    def call(token: str, route: str) -> int:
        method, path = route.split(" ", 1)
        ids = world["ids"]
        kwargs: dict[str, Any] = {
            "params": _params(path, ids),
            "headers": {"Authorization": f"Token {token}"},
        }
        if method in ("POST", "PATCH", "PUT"):
            kwargs["json"] = _body(path, ids)
        if path == "/api/dm/actions" and method == "POST":
            kwargs["params"] = {"project": ids["project_id"], "id": "delete_tasks"}
            kwargs["json"] = {"selectedItems": {"all": True}}
        return client.request(method, _fill(path, ids), **kwargs).status_code

    yield call


def test_lower_roles_get_403_and_the_minimum_role_gets_through(calls: Any, world: dict[str, Any]) -> None:
    """Refusals first (they change nothing), then every read by the lowest role allowed to make it."""
    tokens = world["tokens"]
    wrong: list[str] = []
    for route, need in MINIMUM.items():
        for role in ("annotator", "reviewer"):
            if RANK[role] >= RANK[need] or route in ELSEWHERE:
                continue
            status = calls(tokens[role], route)
            expected = 404 if role == "annotator" and route in NOT_THEIRS else 403
            if status != expected:
                wrong.append(f"{role} {route}: {status}, expected {expected}")
    for route, need in MINIMUM.items():
        if route.startswith("GET ") and need in tokens and route not in ELSEWHERE:
            status = calls(tokens[need], route)
            if status in (401, 403):
                wrong.append(f"{need} {route}: {status}, expected to be allowed")
    assert wrong == [], "\n".join(wrong)


def test_someone_outside_the_project_finds_nothing_in_it(calls: Any, world: dict[str, Any]) -> None:
    inside = [r for r in MINIMUM if "{project_id}" in r or "{task_id}" in r or "{annotation_id}" in r]
    statuses = {route: calls(world["tokens"]["outsider"], route) for route in inside}
    assert {r: s for r, s in statuses.items() if s != 404} == {}
    assert len(inside) > 30


def test_deleting_a_project_needs_a_manager(calls: Any, world: dict[str, Any], client: TestClient) -> None:
    pid = world["ids"]["project_id"]
    for role in ("annotator", "reviewer"):
        assert calls(world["tokens"][role], "DELETE /api/projects/{project_id}") == 403
    assert client.get(f"/api/projects/{pid}").status_code == 200
    assert calls(world["tokens"]["manager"], "DELETE /api/projects/{project_id}") == 204
    assert client.get(f"/api/projects/{pid}").status_code == 404
