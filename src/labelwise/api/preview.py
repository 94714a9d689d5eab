"""What the config editor asks while someone types: is this config valid (and where not), what would it look
like on a sample task, what would it orphan in an existing project; and Markdown instructions rendered safe."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from labelwise import __version__, labeling, policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.responses import JSON
from labelwise.api.router import Router
from labelwise.labeling.samples import sample_task
from labelwise.services import checks, config_change, editor_data, projects, sanitizer
from labelwise.services.errors import Invalid

router = Router(tags=["labeling"])
MAX_MARKDOWN = 200_000


@router.post("/api/labeling/preview")
def preview(body: JsonBody, user: CurrentUser, db: SessionDep) -> Response:
    """`{label_config, project?}` → `{schema, sample_task, orphans}`, or a 400 naming the line at fault.

    With `project`, `orphans` lists what existing annotations use that this config lacks (what
    `PATCH /api/projects/{id}` would refuse), so the settings page can warn before saving.
    """
    data = json_object(body)
    config = data.get("label_config")
    if not isinstance(config, str):
        raise Invalid("label_config is required", {"label_config": ["required"]})
    try:
        schema = labeling.parse_config(config)
    except labeling.ConfigError as exc:
        return _config_error(exc)
    found: list[config_change.Orphan] = []
    project_id = data.get("project")
    if project_id is not None:
        if not checks.is_id(project_id):
            raise Invalid("project must be a project id", {"project": ["expected a project id"]})
        project = projects.get(db, project_id)
        policies.require(user, "project.view", project)
        found = config_change.orphans(db, project, schema)
    task = sample_task(schema)
    task["data"] = editor_data.safe_data(config, task["data"])
    return JSON(
        {
            "schema": schema.to_json(),
            "sample_task": task,
            "orphans": [dict(o.to_json(), message=o.message()) for o in found],
        }
    )


@router.post("/api/labeling/markdown")
def markdown(body: JsonBody, user: CurrentUser) -> dict[str, Any]:
    """`{text}` → `{html}`: Markdown rendered with raw HTML off, then sanitized (as instructions are shown)."""
    text = json_object(body).get("text", "")
    if text is None:
        text = ""
    checks.text(text, "text", MAX_MARKDOWN)
    return {"html": sanitizer.markdown(text)}


def _config_error(exc: labeling.ConfigError) -> Response:
    """The usual 400 shape plus where: `line` (1-based, or null), the `message` without it, tag and attribute."""
    text, prefix = str(exc), f"line {exc.line}: "
    return JSON(
        {
            "status_code": 400,
            "detail": f"label_config: {exc}",
            "validation_errors": {"label_config": [str(exc)]},
            "line": exc.line,
            "message": text.removeprefix(prefix),
            "tag": exc.tag,
            "attribute": exc.attribute,
            "version": __version__,
        },
        status_code=400,
    )
