"""Pages: the projects list, creating a project (template gallery and config editor), project settings.

The list is rendered on the server from the project counters (`task_number`, `num_tasks_with_annotations`,
`skipped_annotations_number`), a page at a time, so it costs the same with ten projects or ten thousand and
never counts a task. Creating and changing go through `POST`/`PATCH /api/projects`; the config editor on
both pages asks `POST /api/labeling/preview` as the user types.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from labelwise import labeling, policies
from labelwise.api.deps import SessionDep
from labelwise.db.models import Project
from labelwise.services import aggregation, gold, members, projects, quality_control, sanitizer
from labelwise.services.errors import NotFound
from labelwise.web.session import PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30
# The gallery opens on the templates a text project starts from (the list), then the rest by group.
FEATURED = (
    "text_classification",
    "multi_label_classification",
    "named_entity_recognition",
    "relation_extraction",
    "sentiment_rating",
    "dialogue_intent",
    "pairwise_text",
    "llm_answer_grading",
    "taxonomy",
    "question_answering",
)


def progress(project: Project) -> dict[str, Any]:
    """Counts and bar fractions (0..1) for one project, from its maintained counters."""
    total = max(project.task_number, 0)
    annotated = min(max(project.num_tasks_with_annotations, 0), total)
    skipped = min(max(project.skipped_annotations_number, 0), total - annotated)
    share = (lambda n: n / total) if total else (lambda n: 0.0)
    return {
        "total": total,
        "annotated": annotated,
        "skipped": max(project.skipped_annotations_number, 0),
        "annotations": max(project.total_annotations_number, 0),
        "annotated_pct": round(100 * share(annotated), 2),
        "skipped_pct": round(100 * share(skipped), 2),
        "done_pct": int(100 * share(annotated)),
    }


@router.get("/projects")
def projects_list(
    request: Request, user: PageUser, db: SessionDep, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    policies.require(user, "project.view")
    only = None if policies.sees_all_projects(user) else members.project_ids(db, user)
    total, rows = projects.page(db, page, PAGE_SIZE, "-id", only)
    pages = max(1, -(-total // PAGE_SIZE))
    cards = [{"project": p, "progress": progress(p)} for p in rows]
    return render(
        request,
        "projects.html",
        cards=cards,
        total=total,
        page=page,
        pages=pages,
        can_create=policies.allowed(user, "project.create"),
    )


def _gallery() -> list[dict[str, Any]]:
    """Template groups in gallery order: the featured text templates first."""
    order = {tid: i for i, tid in enumerate(FEATURED)}
    ranked = sorted(labeling.TEMPLATES, key=lambda t: order.get(t.id, len(order)))
    groups: dict[str, list[dict[str, Any]]] = {}
    for template in ranked:
        group = "Start with text" if template.id in order else template.group
        groups.setdefault(group, []).append(
            {
                "id": template.id,
                "title": template.title,
                "description": template.description,
                "config": template.config,
            }
        )
    return [{"group": name, "templates": items} for name, items in groups.items()]


@router.get("/projects/new")
def project_new(request: Request, user: PageUser) -> Response:
    if not policies.allowed(user, "project.create"):
        return _refused(request, "Your role may not create projects.")
    gallery = _gallery()
    return render(request, "project_new.html", gallery=gallery, page={"gallery": gallery})


@router.get("/projects/{project_id}/settings")
def project_settings(request: Request, project_id: int, user: PageUser, db: SessionDep) -> Response:
    try:
        project = projects.get(db, project_id)
    except NotFound:
        return render(
            request,
            "message.html",
            status_code=404,
            heading="Not found",
            message=f"There is no project {project_id}.",
        )
    if not policies.allowed(user, "project.change", project):
        return _refused(request, "Your role may not change this project's settings.")
    page = {
        "id": project.id,
        "title": project.title,
        "description": project.description,
        "label_config": project.label_config,
        "expert_instruction": project.expert_instruction,
        "show_instruction": project.show_instruction,
        "show_skip_button": project.show_skip_button,
        "maximum_annotations": project.maximum_annotations,
        "annotations": project.total_annotations_number,
        "sampling": project.sampling,
        "blind": policies.is_blind(project),
        "require_review": (project.settings or {}).get("require_review") is True,
        "assignment_only": (project.settings or {}).get("assignment_only") is True,
        "annotation_limit_count": (project.settings or {}).get("annotation_limit_count"),
        "aggregation": _aggregation_controls(project),
        "methods": list(aggregation.TITLES.items()),
        "quality": quality_control.serialize(project),
        "gold_tasks": gold.gold_count(db, project.id),
    }
    return render(
        request,
        "project_settings.html",
        project=project,
        active="settings",
        page=page,
        instructions_html=sanitizer.markdown(project.expert_instruction or ""),
    )


def _aggregation_controls(project: Project) -> list[dict[str, Any]]:
    """Each control with the method aggregating it and its default, for the quality section's selects."""
    try:
        schema = projects.schema(project)
    except labeling.ConfigError:
        return []
    chosen = aggregation.methods(project, schema)
    return [
        {
            "name": name,
            "tag": c.tag,
            "method": chosen[name],
            "default": aggregation.default_method(c, schema),
            "methods": [(m, aggregation.TITLES[m]) for m in aggregation.allowed(c, schema)],
        }
        for name, c in schema.controls.items()
    ]


def _refused(request: Request, message: str) -> Response:
    return render(request, "message.html", status_code=403, heading="Not allowed", message=message)
