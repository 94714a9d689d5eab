"""The agreement page (`/projects/{id}/agreement`): per control its metric and value, per-label agreement,
the annotator x annotator heatmap, confusion tables (between annotators and against the consensus) and the
tasks agreed on least, each linked to the labeling screen and the task editor.

Rendered on the server from `services.agreement.report` with SVG from `services.heatmap`; the only script
(`static/pages/agreement.js`) is the Recompute button, which starts the `quality.agreement` job through the
API. Managers and above, as the API: the page shows every annotator's work against the others'.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from labelwise import policies
from labelwise.api.deps import SessionDep
from labelwise.services import agreement, heatmap, projects, task_agreement
from labelwise.services.errors import NotFound
from labelwise.web.dashboard import percent
from labelwise.web.session import PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)
LOWEST = 20

_METRIC_NAMES = {
    "krippendorff_alpha_nominal": "Krippendorff's alpha (nominal)",
    "krippendorff_alpha_ordinal": "Krippendorff's alpha (ordinal)",
    "krippendorff_alpha_interval": "Krippendorff's alpha (interval)",
    "mean_jaccard": "Mean pairwise Jaccard",
    "text_similarity": "Mean pairwise text similarity",
    "span_f1": "Span F1",
    "box_f1_iou_0.5": "Box F1 at IoU 0.5",
    "polygon_f1_iou_0.5": "Polygon F1 at IoU 0.5",
    "keypoint_f1": "Keypoint F1",
}


def _number(value: float | None) -> str:
    return "\u2013" if value is None else f"{value:.3f}"


def _confusion(table: dict[str, Any] | None) -> dict[str, Any] | None:
    """A confusion table for the template: rows with their cells and totals."""
    if table is None or not table.get("labels"):
        return table
    counts = table["counts"]
    return {
        "labels": table["labels"],
        "rows": [
            {"label": label, "cells": row, "total": sum(row)}
            for label, row in zip(table["labels"], counts, strict=True)
        ],
        "agreement": percent(table["agreement"]) if table.get("agreement") is not None else None,
    }


def _control(c: dict[str, Any]) -> dict[str, Any]:
    is_alpha = c["metric"].startswith("krippendorff")
    names = [p["name"] for p in c["annotators"]]
    matrix = c["matrix"]
    return {
        "name": c["name"],
        "type": c["type"],
        "metric": _METRIC_NAMES.get(c["metric"], c["metric"]),
        "value": _number(c["value"]) if is_alpha else percent(c["value"]),
        "percent": percent(c["percent_agreement"]) if c["percent_agreement"] is not None else None,
        "tasks": c["tasks"],
        "pairs": c["pairs"],
        "labels": [
            {"label": e["label"], "agreement": percent(e["agreement"]), "count": e["count"]}
            for e in c["labels"]
        ],
        "heatmap": heatmap.heatmap(
            names, matrix["agreement"], matrix["common_tasks"], f"Agreement between annotators on {c['name']}"
        )
        if matrix is not None and len(names) >= 2
        else None,
        "confusion": _confusion(c["confusion"]),
        "consensus": _confusion(c["consensus"]),
    }


@router.get("/projects/{project_id}/agreement")
def agreement_page(
    request: Request,
    project_id: int,
    user: PageUser,
    db: SessionDep,
    control: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:
    try:
        project = projects.get(db, project_id)
        policies.require(user, "agreement.view", project, db)
    except NotFound:
        return render(request, "message.html", status_code=404, heading="Not found",
                      message=f"There is no project {project_id}.")  # fmt: skip
    names = [c.name for c in task_agreement.controls_of(project.label_config)]
    chosen = control if control in names else None
    report = agreement.report(db, project, chosen, LOWEST)
    return render(
        request,
        "agreement.html",
        project=project,
        active="agreement",
        report=report,
        overall=percent(report["agreement"]),
        controls=[_control(c) for c in report["controls"]],
        names=names,
        chosen=chosen,
        lowest=[{**t, "agreement": percent(t["agreement"])} for t in report["lowest_tasks"]],
        job=report["job"],
    )
