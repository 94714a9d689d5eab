"""label-studio-sdk 2.x client (``LabelStudio``) against a live Labelwise server.

Tests run with the legacy API token (``Authorization: Token``); those marked ``@BOTH_AUTH`` run again with
a personal access token (a JWT refresh token the SDK exchanges at ``/api/token/refresh/`` for ``Bearer``
access tokens).
See docs/sdk-contract.md for the behaviour these tests pin down.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

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


@dataclass
class Recorder:
    """Records every request the SDK's httpx client sends (including the token refresh)."""

    seen: list[tuple[str, str, str | None]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> None:
        self.seen.append((request.method, request.url.path, request.headers.get("authorization")))

    def clear(self) -> None:
        self.seen.clear()

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.seen if m == method and p == path)


@pytest.fixture
def auth_kind() -> str:
    return "token"


# Overrides the auth_kind fixture: the test runs once per kind of API key.
BOTH_AUTH = pytest.mark.parametrize("auth_kind", ["token", "pat"])


@pytest.fixture
def api_key(request: pytest.FixtureRequest, live_server: Any, auth_kind: str) -> str:
    return live_server.token if auth_kind == "token" else request.getfixturevalue("pat")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def make_client(url: str, api_key: str, recorder: Recorder | None = None) -> tuple[LabelStudio, httpx.Client]:
    # Same settings as the SDK's default client (60 s timeout, follow redirects) plus a request hook.
    hooks = {"request": [recorder]} if recorder is not None else {}
    http = httpx.Client(timeout=60, follow_redirects=True, event_hooks=hooks)
    return LabelStudio(base_url=url, api_key=api_key, httpx_client=http), http


@pytest.fixture
def ls(live_server: Any, api_key: str, recorder: Recorder) -> Iterator[LabelStudio]:
    client, http = make_client(live_server.url, api_key, recorder)
    yield client
    http.close()


@pytest.fixture
def new_project(ls: LabelStudio) -> Iterator[Any]:
    """Factory creating uniquely titled projects; deletes whatever is left of them afterwards."""
    created: list[int] = []

    def make(label: str, label_config: str = LABEL_CONFIG) -> Any:
        project = ls.projects.create(title=unique_title(label), label_config=label_config)
        assert isinstance(project.id, int)
        created.append(project.id)
        return project

    yield make
    for project_id in created:
        with contextlib.suppress(ApiError):
            ls.projects.delete(project_id)


@dataclass
class Imported:
    project_id: int
    plan: ImportPlan
    response: Any
    task_ids: dict[str, int]  # data["text"] -> task id


@pytest.fixture
def imported(ls: LabelStudio, new_project: Any, request: pytest.FixtureRequest) -> Imported:
    project = new_project(request.node.name[:40])
    plan = build_import()
    response = ls.projects.import_tasks(project.id, request=plan.items, return_task_ids=True)
    task_ids = {t.data["text"]: t.id for t in ls.tasks.list(project=project.id, page_size=PAGE_SIZE)}
    return Imported(project.id, plan, response, task_ids)


def item(obj: Any, key: str) -> Any:
    """Task ``annotations`` come back as dicts, ``predictions`` as models: read a field from either."""
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


def raises_status(status: int, exc: pytest.ExceptionInfo[ApiError]) -> None:
    assert exc.value.status_code == status, exc.value.body


# --- connection / auth / users ------------------------------------------------------------------


@BOTH_AUTH
def test_whoami_version_token_and_auth_header(
    ls: LabelStudio, live_server: Any, auth_kind: str, recorder: Recorder
) -> None:
    me = ls.users.whoami()
    assert me.email == live_server.email
    assert isinstance(me.id, int)
    assert isinstance(me.username, str) and me.username

    version = ls.versions.get()
    assert isinstance(version.release, str) and version.release
    # exports.as_json() relies on a non-Enterprise edition to take the synchronous export path.
    assert version.edition == "Community"

    token = ls.users.get_token()
    assert getattr(token, "token", None) == live_server.token

    api_calls = [(m, p, a) for m, p, a in recorder.seen if p != "/api/token/refresh/"]
    assert len(api_calls) == 3
    if auth_kind == "token":
        assert recorder.count("POST", "/api/token/refresh/") == 0
        assert all(a == f"Token {live_server.token}" for _, _, a in api_calls)
    else:
        # The PAT is exchanged once, before the first call; the access token is then cached and reused.
        assert recorder.seen[0][:2] == ("POST", "/api/token/refresh/")
        assert recorder.seen[0][2] is None
        assert recorder.count("POST", "/api/token/refresh/") == 1
        assert all(a is not None and a.startswith("Bearer ") for _, _, a in api_calls)


def test_users_list_create_get(ls: LabelStudio, live_server: Any) -> None:
    users = ls.users.list()
    assert live_server.email in {u.email for u in users}

    username = unique_title("user").replace(" ", "-")
    email = f"{username}@example.com"
    created = ls.users.create(
        username=username, email=email, first_name="Compat", last_name="User", password="compat-Passw0rd!"
    )
    assert isinstance(created.id, int)
    assert created.email == email

    fetched = ls.users.get(created.id)
    assert fetched.id == created.id
    assert fetched.email == email
    assert fetched.username == username
    assert email in {u.email for u in ls.users.list()}


def test_token_refresh_and_pat_creation(ls: LabelStudio, live_server: Any, pat: str) -> None:
    access = ls.tokens.refresh(refresh=pat).access
    claims = jwt.decode(access, options={"verify_signature": False})
    assert "exp" in claims  # the SDK refuses JWTs without an expiry
    response = httpx.get(
        f"{live_server.url.rstrip('/')}/api/current-user/whoami",
        headers={"Authorization": f"Bearer {access}"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()["email"] == live_server.email

    with pytest.raises(ApiError) as exc:
        ls.tokens.refresh(refresh="not-a-refresh-token")
    assert exc.value.status_code in (400, 401)

    new_pat = ls.tokens.create().token
    assert isinstance(new_pat, str) and new_pat
    client, http = make_client(live_server.url, new_pat)
    try:
        assert client.users.whoami().email == live_server.email
    finally:
        http.close()


# --- projects ----------------------------------------------------------------------------------


def test_project_create_get_update(ls: LabelStudio, new_project: Any) -> None:
    me = ls.users.whoami()
    project = new_project("crud")
    assert project.label_config == LABEL_CONFIG

    got = ls.projects.get(project.id)
    assert got.id == project.id
    assert got.title == project.title
    assert got.label_config == LABEL_CONFIG
    assert got.task_number == 0
    assert got.total_annotations_number == 0
    assert got.num_tasks_with_annotations == 0
    assert got.total_predictions_number == 0
    assert got.created_at is not None
    assert got.created_by is not None and got.created_by.id == me.id
    parsed = got.parsed_label_config
    assert parsed["sentiment"]["type"] == "Choices"
    assert parsed["sentiment"]["to_name"] == ["text"]
    assert parsed["sentiment"]["labels"] == ["positive", "negative"]
    control = got.get_label_interface().get_control("sentiment")
    assert control.name == "sentiment"
    assert control.to_name == ["text"]

    new_title = unique_title("crud renamed")
    updated = ls.projects.update(project.id, title=new_title, description="updated through the SDK")
    assert updated.title == new_title
    again = ls.projects.get(project.id)
    assert again.title == new_title
    assert again.description == "updated through the SDK"
    assert again.label_config == LABEL_CONFIG

    validated = ls.projects.validate_label_config(project.id, label_config=LABEL_CONFIG)
    assert validated.label_config == LABEL_CONFIG


def test_invalid_label_config_is_400(ls: LabelStudio, new_project: Any) -> None:
    project = new_project("invalid update")
    for bad_config in (MALFORMED_CONFIG, DANGLING_CONFIG):
        with pytest.raises(ApiError) as exc:
            created = ls.projects.create(title=unique_title("invalid"), label_config=bad_config)
            ls.projects.delete(created.id)  # only reached if the server wrongly accepted it
        raises_status(400, exc)

        with pytest.raises(ApiError) as exc:
            ls.projects.update(project.id, label_config=bad_config)
        raises_status(400, exc)
        assert ls.projects.get(project.id).label_config == LABEL_CONFIG

        with pytest.raises(ApiError) as exc:
            ls.projects.validate_label_config(project.id, label_config=bad_config)
        raises_status(400, exc)


def test_unknown_ids_are_404(ls: LabelStudio) -> None:
    for call in (
        lambda: ls.projects.get(MISSING_ID),
        lambda: ls.projects.update(MISSING_ID, title="nope"),
        lambda: ls.tasks.get(str(MISSING_ID)),
        lambda: ls.annotations.get(MISSING_ID),
        lambda: ls.predictions.get(MISSING_ID),
        lambda: ls.projects.import_tasks(MISSING_ID, request=[{"text": "x"}]),
    ):
        with pytest.raises(ApiError) as exc:
            call()
        raises_status(404, exc)


def test_project_list_paging_and_delete(ls: LabelStudio, new_project: Any, recorder: Recorder) -> None:
    mine = [new_project(f"list {i}").id for i in range(3)]
    recorder.clear()
    pager = ls.projects.list(page_size=2)
    assert pager.response.count >= 3
    assert len(pager.items) == 2
    seen = [p.id for p in pager]
    assert len(seen) == len(set(seen)), "a project was returned on two pages"
    assert set(mine) <= set(seen)
    assert len(seen) == pager.response.count
    # One request per non-empty page plus the one (empty or 404) page that ends the iteration.
    pages = -(-len(seen) // 2)
    assert recorder.count("GET", "/api/projects/") == pages + 1

    victim = mine[0]
    ls.projects.import_tasks(victim, request=[{"text": "doomed"}])
    ls.projects.delete(victim)
    with pytest.raises(ApiError) as exc:
        ls.projects.get(victim)
    raises_status(404, exc)
    assert victim not in {p.id for p in ls.projects.list(page_size=2)}


# --- import and tasks --------------------------------------------------------------------------


def test_import_counts(ls: LabelStudio, imported: Imported) -> None:
    response, plan = imported.response, imported.plan
    assert response.task_count == N_TASKS
    assert response.annotation_count == plan.n_annotations
    predictions = response.predictions_count
    if predictions is None:  # Label Studio itself names it prediction_count
        predictions = getattr(response, "prediction_count", None)
    assert predictions == plan.n_predictions
    task_ids = getattr(response, "task_ids", None)
    assert task_ids is not None and len(task_ids) == N_TASKS
    assert set(task_ids) == set(imported.task_ids.values())

    project = ls.projects.get(imported.project_id)
    assert project.task_number == N_TASKS
    assert project.total_annotations_number == plan.n_annotations
    assert project.num_tasks_with_annotations == plan.n_tasks_with_annotations
    assert project.total_predictions_number == plan.n_predictions


@BOTH_AUTH
def test_task_paging_sees_every_task_once(ls: LabelStudio, imported: Imported, recorder: Recorder) -> None:
    recorder.clear()
    pager = ls.tasks.list(project=imported.project_id, page_size=PAGE_SIZE)
    assert pager.response.total == N_TASKS
    assert pager.response.total_annotations == imported.plan.n_annotations
    assert pager.response.total_predictions == imported.plan.n_predictions
    assert len(pager.items) == PAGE_SIZE

    tasks = list(pager)
    ids = [t.id for t in tasks]
    assert len(ids) == N_TASKS
    assert len(set(ids)) == N_TASKS, "a task was returned on two pages"
    assert set(ids) == set(imported.task_ids.values())
    # Pages 1..3 hold tasks; page 4 (empty or 404) stops the pager, and nothing is requested after it.
    assert recorder.count("GET", "/api/tasks/") == -(-N_TASKS // PAGE_SIZE) + 1

    for task in tasks:
        expected = imported.plan.tasks[task.data["text"]]
        assert task.data == {"text": expected.text}
        if expected.meta is not None:
            assert task.meta == expected.meta
        assert canon([item(a, "result") for a in task.annotations or []]) == canon(expected.annotations)
        assert canon([item(p, "result") for p in task.predictions or []]) == canon(expected.predictions)
        assert task.total_annotations == len(expected.annotations)
        assert task.total_predictions == len(expected.predictions)
        assert task.is_labeled is bool(expected.annotations)
        assert task.project == imported.project_id


def test_task_create_get_update_delete(ls: LabelStudio, imported: Imported) -> None:
    created = ls.tasks.create(
        project=imported.project_id, data={"text": "made by tasks.create"}, meta={"k": 1}
    )
    assert isinstance(created.id, int)
    assert ls.projects.get(imported.project_id).task_number == N_TASKS + 1

    fetched = ls.tasks.get(str(created.id))
    assert fetched.id == created.id
    assert fetched.data == {"text": "made by tasks.create"}
    assert fetched.meta == {"k": 1}
    assert fetched.annotations == []
    assert fetched.total_annotations == 0

    updated = ls.tasks.update(str(created.id), data={"text": "changed by tasks.update"})
    assert updated.data == {"text": "changed by tasks.update"}
    assert ls.tasks.get(str(created.id)).data == {"text": "changed by tasks.update"}

    ls.tasks.delete(str(created.id))
    with pytest.raises(ApiError) as exc:
        ls.tasks.get(str(created.id))
    raises_status(404, exc)
    assert ls.projects.get(imported.project_id).task_number == N_TASKS


# --- annotations and predictions ---------------------------------------------------------------


@BOTH_AUTH
def test_annotation_lifecycle_and_counters(ls: LabelStudio, imported: Imported) -> None:
    plan = imported.plan
    targets = [imported.task_ids[text] for text in plan.unannotated_texts()[:3]]
    created = []
    for n, task_id in enumerate(targets):
        result = choices_result("positive", f"sdk-a{n}")
        annotation = ls.annotations.create(id=task_id, result=result, was_cancelled=False, lead_time=3.25)
        assert isinstance(annotation.id, int)
        assert annotation.result == result
        assert annotation.task == task_id
        assert annotation.was_cancelled is False
        created.append(annotation)

    project = ls.projects.get(imported.project_id)
    assert project.total_annotations_number == plan.n_annotations + 3
    assert project.num_tasks_with_annotations == plan.n_tasks_with_annotations + 3

    first = created[0]
    listed = ls.annotations.list(id=targets[0])
    assert [a.id for a in listed] == [first.id]
    fetched = ls.annotations.get(first.id)
    assert fetched.result == first.result
    assert fetched.task == targets[0]
    task = ls.tasks.get(str(targets[0]))
    assert task.total_annotations == 1
    assert task.is_labeled is True

    new_result = choices_result("negative", "sdk-a0")
    updated = ls.annotations.update(first.id, result=new_result)
    assert updated.result == new_result
    assert ls.annotations.get(first.id).result == new_result

    ls.annotations.delete(created[1].id)
    with pytest.raises(ApiError) as exc:
        ls.annotations.get(created[1].id)
    raises_status(404, exc)
    assert ls.annotations.list(id=targets[1]) == []
    assert ls.tasks.get(str(targets[1])).total_annotations == 0

    project = ls.projects.get(imported.project_id)
    assert project.total_annotations_number == plan.n_annotations + 2
    assert project.num_tasks_with_annotations == plan.n_tasks_with_annotations + 2
    assert project.total_predictions_number == plan.n_predictions


def test_prediction_lifecycle(ls: LabelStudio, imported: Imported) -> None:
    plan = imported.plan
    task_id = imported.task_ids[plan.unannotated_texts()[0]]
    result = choices_result("negative", "sdk-p0")
    prediction = ls.predictions.create(task=task_id, result=result, score=0.875, model_version="sdk-v2")
    assert isinstance(prediction.id, int)
    assert prediction.task == task_id
    assert prediction.result == result
    assert prediction.score == pytest.approx(0.875)
    assert prediction.model_version == "sdk-v2"

    assert prediction.id in {p.id for p in ls.predictions.list(task=task_id)}
    assert prediction.id in {p.id for p in ls.predictions.list(project=imported.project_id)}
    assert ls.predictions.get(prediction.id).result == result
    assert ls.projects.get(imported.project_id).total_predictions_number == plan.n_predictions + 1

    updated = ls.predictions.update(prediction.id, score=0.5)
    assert updated.score == pytest.approx(0.5)
    assert ls.predictions.get(prediction.id).score == pytest.approx(0.5)

    ls.predictions.delete(prediction.id)
    with pytest.raises(ApiError) as exc:
        ls.predictions.get(prediction.id)
    raises_status(404, exc)
    assert ls.projects.get(imported.project_id).total_predictions_number == plan.n_predictions


# --- export ------------------------------------------------------------------------------------


@BOTH_AUTH
def test_export_json_matches_created_data(ls: LabelStudio, imported: Imported) -> None:
    plan = imported.plan
    text = plan.unannotated_texts()[0]
    extra = choices_result("negative", "sdk-export")
    ls.annotations.create(id=imported.task_ids[text], result=extra)
    plan.tasks[text].annotations.append(extra)

    exported = ls.projects.exports.as_json(imported.project_id)
    assert isinstance(exported, list)
    by_id = {t["id"]: t for t in exported}
    assert len(by_id) == len(exported) == N_TASKS
    assert set(by_id) == set(imported.task_ids.values())
    for text, task_id in imported.task_ids.items():
        task, expected = by_id[task_id], plan.tasks[text]
        assert task["data"] == {"text": text}
        assert canon([a["result"] for a in task["annotations"]]) == canon(expected.annotations)
        assert canon([p["result"] for p in task["predictions"]]) == canon(expected.predictions)
        if expected.meta is not None:
            assert task["meta"] == expected.meta

    # Without download_all_tasks only tasks that carry annotations are exported.
    raw = b"".join(
        ls.projects.exports.download_sync(imported.project_id, export_type="JSON", download_all_tasks=False)
    )
    annotated = json.loads(raw)
    expected_ids = {imported.task_ids[t] for t in plan.annotated_texts()}
    assert {t["id"] for t in annotated} == expected_ids
