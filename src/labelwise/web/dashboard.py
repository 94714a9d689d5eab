"""The project dashboard page (`/projects/{id}/dashboard`): cards, charts and a table per annotator.

Rendered entirely on the server from `services.stats` with SVG from `services.charts`; no script.
Managers see everyone; anyone else who belongs to the project sees the same page with their own
numbers only (one row, their own throughput).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from labelwise import policies
from labelwise.api.deps import SessionDep
from labelwise.services import charts, projects, stats
from labelwise.services.errors import NotFound
from labelwise.web.session import PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)
SPANS = (7, 30, 90)


def percent(value: float | None) -> str:
    return "\u2013" if value is None else f"{100 * value:.0f}%"


def seconds(value: float | None) -> str:
    """A lead time as people read it: 42 s, 3.5 min, 1.2 h."""
    if value is None:
        return "\u2013"
    if value < 90:
        return f"{value:.0f} s"
    if value < 5400:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def _name(row: dict[str, Any]) -> str:
    user = row["user"]
    if user is None:
        return "(deleted user)"
    full = f"{user['first_name']} {user['last_name']}".strip()
    return full or user["email"] or f"user {user['id']}"


def _view(data: dict[str, Any], everyone: bool) -> dict[str, Any]:
    t = data["totals"]
    done = t["tasks_done"] if not everyone else t["tasks_finished"]
    cards = [
        ("Tasks", f"{t['tasks']:,}", ""),
        ("Tasks done" if not everyone else "Tasks finished", f"{done:,}",
         percent(done / t["tasks"]) if t["tasks"] else ""),
        ("Annotations", f"{t['annotations']:,}", f"{sum(d['annotations'] for d in data['throughput']):,} in {len(data['days'])} days"),
        ("Skip rate", percent(t["skip_rate"]), f"{t['skipped']:,} skipped"),
        ("Median lead time", seconds(t["median_lead_time"]), ""),
        ("Review acceptance", percent(t["acceptance_rate"]), f"{t['reviews_accepted']:,} accepted, {t['reviews_rejected']:,} rejected"),
    ]  # fmt: skip
    saving = data.get("overlap")
    if saving and saving["dynamic_overlap"]:
        fixed = saving["annotations_at_fixed_overlap"]
        note = f"of {fixed:,} at fixed overlap" + (
            f" ({percent(saving['annotations_saved'] / fixed)} saved)" if fixed else ""
        )
        cards.append(("Annotations used", f"{saving['annotations_used']:,}", note))
    throughput = [(d["day"], float(d["annotations"])) for d in data["throughput"]]
    span = f"{data['days'][0]} to {data['days'][-1]} (UTC)"
    out: dict[str, Any] = {
        "cards": cards,
        # The gold column only once some annotator has answered gold tasks.
        "has_gold": any(row["gold_accuracy"] is not None for row in data["annotators"]),
        "span": span,
        "throughput_chart": charts.bar_chart(throughput, f"Annotations per day, {span}", "annotations"),
        "progress_chart": None,
        "rows": [
            {
                "name": _name(row),
                "email": row["user"]["email"] if row["user"] else "",
                "tasks_done": row["tasks_done"],
                "annotations": row["annotations"],
                "skip_rate": percent(row["skip_rate"]),
                "median_lead_time": seconds(row["median_lead_time"]),
                "acceptance_rate": percent(row["acceptance_rate"]),
                "skill": percent(row["skill"]),
                "gold_accuracy": percent(row["gold_accuracy"]),
                "sparkline": charts.sparkline(
                    [float(v) for v in row["throughput"]], f"{_name(row)}: annotations"
                ),
            }
            for row in data["annotators"]
        ],
    }
    if data["progress"] is not None:
        points = [(p["day"], float(p["cumulative"])) for p in data["progress"]]
        out["progress_chart"] = charts.line_chart(points, f"Tasks finished in all, {span}", "tasks finished")
    return out


@router.get("/projects/{project_id}/dashboard")
def dashboard(
    request: Request,
    project_id: int,
    user: PageUser,
    db: SessionDep,
    days: Annotated[int, Query(ge=1, le=366)] = stats.DAYS,
) -> Response:
    try:
        project = projects.get(db, project_id)
        policies.require(user, "stats.own", project, db)
    except NotFound:
        return render(
            request,
            "message.html",
            status_code=404,
            heading="Not found",
            message=f"There is no project {project_id}.",
        )
    everyone = policies.allowed(user, "stats.view", project, db)
    data = stats.project_stats(db, project, None if everyone else user.id, days)
    return render(
        request,
        "dashboard.html",
        project=project,
        active="dashboard",
        everyone=everyone,
        days=days,
        spans=SPANS,
        view=_view(data, everyone),
    )
