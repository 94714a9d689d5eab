"""LLM prompts of a project: a preview of the messages on a sample task, evaluations on gold tasks.

A minimal surface until model connections (`/api/ml`) are merged: `evaluate` takes the connection's fields
(`url`, `extra_params`) in the body; at merge it is wired to a stored connection (`/api/ml/{id}/evaluate`),
the service (`ml/llm/evaluation.py`) unchanged. The evaluation runs in the request; gold sets are small.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import Project, Task, User
from labelwise.labeling.samples import sample_data
from labelwise.ml.contract import ModelError, ProjectView
from labelwise.ml.llm import evaluation, prompt
from labelwise.ml.llm.cache import SqlCache
from labelwise.ml.llm.model import LlmModel
from labelwise.ml.llm.params import ParamError, Params
from labelwise.services import checks, projects
from labelwise.services.errors import Invalid, NotFound
from labelwise.settings import Settings
from labelwise.storage import fetch

router = Router(tags=["prompts"])


def _project(db: Session, user: User, project_id: int) -> Project:
    project = projects.get(db, project_id)
    policies.require(user, "prompt.manage", project)
    return project


def _invalid(exc: Exception) -> Invalid:
    """A ModelError or ParamError as a 400 naming the field its message starts with."""
    message = str(exc)
    head = message.split(":", 1)[0]
    field = head if head.replace(".", "").replace("_", "").isalnum() and " " not in head else "extra_params"
    return Invalid(message, {field: [message]})


def _data(db: Session, project: Project, body: Mapping[str, Any]) -> dict[str, Any]:
    if body.get("data") is not None:
        if not isinstance(body["data"], dict):
            raise Invalid("data must be an object", {"data": ["an object is required"]})
        return body["data"]
    if body.get("task") is not None:
        task = db.get(Task, body["task"]) if checks.is_id(body["task"]) else None
        if task is None or task.project_id != project.id:
            raise NotFound(f"task {body['task']} not found in this project")
        return dict(task.data)
    first = db.scalar(select(Task.data).where(Task.project_id == project.id).order_by(Task.id).limit(1))
    return dict(first) if isinstance(first, dict) else sample_data(projects.schema(project))


@router.post("/api/projects/{project_id}/prompts/preview")
def preview(project_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """`{"prompt", "task"?: id, "data"?: {...}, "few_shot"?: n}`: the messages that task would be sent with
    (default: the project's first task, else a sample task for the config)."""
    project = _project(db, user, project_id)
    fields = json_object(body)
    template = fields.get("prompt")
    if not isinstance(template, str):
        raise Invalid("prompt must be a string", {"prompt": ["a string is required"]})
    few = fields.get("few_shot", 0)
    if isinstance(few, bool) or not isinstance(few, int) or not 0 <= few <= 20:
        raise Invalid("few_shot must be an integer from 0 to 20", {"few_shot": ["0 to 20"]})
    data = _data(db, project, fields)
    examples = evaluation.gold_examples(db, project.id, few)
    try:
        messages = prompt.preview(template, projects.schema(project), data, examples)
    except prompt.PromptError as exc:
        raise Invalid(f"prompt: {exc}", {"prompt": [str(exc)]}) from None
    return {"messages": messages, "data": data}


def _model(
    db: Session, project: Project, body: Mapping[str, Any], settings: Settings, request: Request
) -> LlmModel:
    url = body.get("url")
    if not isinstance(url, str) or not url:
        raise Invalid("url is required: the OpenAI-compatible base URL", {"url": ["required"]})
    policy = fetch.Policy.from_settings(settings)
    fetch.check_url(url, policy)  # a 400 naming `url`
    extra = body.get("extra_params")
    if not isinstance(extra, dict):
        raise Invalid("extra_params must be an object", {"extra_params": ["an object is required"]})
    try:
        few_shot = Params.of(extra).few_shot
    except ParamError as exc:
        raise _invalid(exc) from None
    state = request.app.state
    connection = {
        "timeout": settings.fetch_timeout_seconds,
        "policy": policy,
        "cache": SqlCache(state.sessionmaker, state.write_sessionmaker),
        "examples": evaluation.gold_examples(db, project.id, few_shot),
    }
    view = ProjectView(project.id, project.label_config or "", project.title, extra)
    try:
        return LlmModel(view, url, connection)
    except ModelError as exc:
        raise _invalid(exc) from None


@router.post("/api/projects/{project_id}/prompts/evaluate", status_code=201)
def evaluate(
    project_id: int,
    body: JsonBody,
    user: CurrentUser,
    db: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> dict[str, Any]:
    """`{"url", "extra_params": {"model", "prompt", "api_key", ...}}`: run on the gold tasks, store, return."""
    project = _project(db, user, project_id)
    fields = json_object(body)
    model = _model(db, project, fields, settings, request)
    connection = fields.get("connection")
    try:
        row = evaluation.evaluate(
            db,
            project,
            model,
            user=user,
            connection_id=connection if checks.is_id(connection) else None,
            prompt=model.params.prompt,
        )
    except ModelError as exc:
        raise _invalid(exc) from None
    return {**evaluation.to_json(row), "report": model.report.to_json()}


@router.get("/api/projects/{project_id}/prompts/evaluations")
def evaluations(project_id: int, user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    """Every stored evaluation of the project, newest first: prompt versions side by side."""
    project = _project(db, user, project_id)
    return [evaluation.to_json(row) for row in evaluation.listing(db, project)]
