"""`labelwise quality agreement PROJECT [--control NAME] [--limit N] [--json]`: the agreement report.

The same report as `GET /api/projects/{id}/agreement` (services/agreement.py), read from the database
directly: a table with one row per control (its metric, value, tasks and pairs compared) and the tasks that
agree least; `--json` prints the whole report (per-label agreement, annotator matrices, confusion) instead.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from labelwise.cli import DataDir, _fail, _settings, console


def register(quality_app: typer.Typer) -> None:
    """Add `agreement` to the `quality` command group."""
    quality_app.command("agreement")(agreement)


def _value(v: Any) -> str:
    return "—" if v is None else f"{v:.4f}"


def agreement(
    project: Annotated[int, typer.Argument(help="Project id.")],
    control: Annotated[str | None, typer.Option(help="Only this control (its name in the config).")] = None,
    limit: Annotated[
        int, typer.Option(help="How many of the least agreed tasks to list.", min=0, max=1000)
    ] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """How much a project's annotators agree, per control, and the tasks they agree on least."""
    import orjson

    from labelwise.db.runtime import open_database
    from labelwise.services import agreement as service
    from labelwise.services import projects
    from labelwise.services.errors import ServiceError

    database = open_database(_settings(data_dir))
    with database.sessionmaker() as db:
        try:
            report = service.report(db, projects.get(db, project), control, limit)
        except ServiceError as exc:
            _fail(exc.detail)
    if as_json:
        typer.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title=f"Agreement of project {project}")
    for name in ("control", "metric", "value", "tasks", "pairs"):
        table.add_column(name, justify="right" if name in ("value", "tasks", "pairs") else "left")
    for c in report["controls"]:
        table.add_row(c["name"], c["metric"], _value(c["value"]), str(c["tasks"]), str(c["pairs"]))
    console.print(table)
    if not report["tasks"]:
        console.print("nothing to compare yet: agreement needs at least two annotators on a task")
        return
    console.print(f"project agreement (mean over {report['tasks']} tasks): {_value(report['agreement'])}")
    if report["lowest_tasks"]:
        low = Table(title="Lowest agreement")
        for name in ("task", "inner id", "agreement"):
            low.add_column(name, justify="right")
        for t in report["lowest_tasks"]:
            low.add_row(str(t["id"]), str(t["inner_id"]), _value(t["agreement"]))
        console.print(low)
