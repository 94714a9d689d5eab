"""How a project hands out its tasks: the distribution flags kept in `project.settings`.

Label Studio spreads these over several fields; we keep them in the project's `settings` JSON so
no migration is needed per flag, and accept Label Studio's spellings on PATCH:

- `annotation_limit_count` (int or null): tasks one annotator may finish (annotate or skip) in the
  project; past it `next` answers 404 saying so.
- `assignment_only` (bool), also Label Studio Enterprise's
  `assignment_settings: {"label_stream_task_distribution": "assigned_only" | "auto_distribution"}`:
  manual distribution, annotators get only the tasks assigned to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labelwise.db.models import Project
from labelwise.services.errors import Invalid

MAX_LIMIT = 10_000_000
DISTRIBUTIONS = {"assigned_only": True, "auto_distribution": False}
FIELDS = ("annotation_limit_count", "assignment_only", "assignment_settings")


@dataclass(frozen=True)
class Rules:
    """What `queue.next_task` needs of a project, read once per call."""

    overlap: int
    sampling: str
    assignment_only: bool
    limit: int | None


def rules(project: Project) -> Rules:
    settings = project.settings or {}
    limit = settings.get("annotation_limit_count")
    return Rules(
        overlap=project.maximum_annotations,
        sampling=project.sampling,
        assignment_only=settings.get("assignment_only") is True,
        limit=limit if isinstance(limit, int) and not isinstance(limit, bool) else None,
    )


def clean(fields: dict[str, Any]) -> dict[str, Any]:
    """The settings entries a create/PATCH body sets (only those it names); 400 naming the field."""
    out: dict[str, Any] = {}
    if "annotation_limit_count" in fields:
        value = fields["annotation_limit_count"]
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT
        ):
            raise Invalid(
                f"annotation_limit_count: must be null or an integer from 1 to {MAX_LIMIT}",
                {"annotation_limit_count": [f"null or an integer from 1 to {MAX_LIMIT}"]},
            )
        out["annotation_limit_count"] = value
    if "assignment_settings" in fields:
        value = fields["assignment_settings"]
        mode = value.get("label_stream_task_distribution") if isinstance(value, dict) else None
        if mode not in DISTRIBUTIONS:
            raise Invalid(
                "assignment_settings: label_stream_task_distribution must be "
                "'auto_distribution' or 'assigned_only'",
                {
                    "assignment_settings": [
                        "label_stream_task_distribution: auto_distribution or assigned_only"
                    ]
                },
            )
        out["assignment_only"] = DISTRIBUTIONS[mode]
    if "assignment_only" in fields:
        value = fields["assignment_only"]
        if not isinstance(value, bool):
            raise Invalid(
                "assignment_only: must be true or false", {"assignment_only": ["must be a boolean"]}
            )
        out["assignment_only"] = value
    return out


def serialize(project: Project) -> dict[str, Any]:
    """The flags in the project JSON, in our names and Label Studio's."""
    r = rules(project)
    return {
        "annotation_limit_count": r.limit,
        "assignment_only": r.assignment_only,
        "assignment_settings": {
            "label_stream_task_distribution": "assigned_only" if r.assignment_only else "auto_distribution",
            "project": project.id,
        },
    }
