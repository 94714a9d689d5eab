"""`labelwise quality aggregate PROJECT [--method ds] -o out.jsonl`: aggregated labels from the command line.

Runs the same `quality.aggregate` job the API starts (inline, with a progress bar over the annotations read),
so the project's stored consensus is refreshed too, then writes one JSON line per task and control:
`{"task": id, "control": name, "result": [...], "confidence": p, "method": "ds"}`, read back from the
database in keyset batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from labelwise.cli import DataDir, _fail, _settings, console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

BATCH = 5000


def register(quality_app: typer.Typer) -> None:
    """Add `aggregate` to the `quality` command group."""
    quality_app.command("aggregate")(aggregate)


def aggregate(
    project: Annotated[int, typer.Argument(help="Project id.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output file (JSON Lines).")],
    method: Annotated[
        str | None,
        typer.Option(
            help="ds, mv, wawa, zbs, glad, mace or onecoin for every control, or span, box, rover, mean or "
            "median where they apply (default: the project's)."
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Aggregate a project's annotations into consensus labels and write them to a file."""
    from labelwise import jobs
    from labelwise.db.runtime import open_database
    from labelwise.services import aggregation, consensus, projects
    from labelwise.services.errors import ServiceError

    if method is not None and method not in aggregation.NAMES:
        _fail(f"--method must be one of {', '.join(aggregation.NAMES)}")
    settings = _settings(data_dir)
    database = open_database(settings)
    with database.sessionmaker() as db:
        try:
            total = projects.get(db, project).total_annotations_number
        except ServiceError as exc:
            _fail(exc.detail)
    params: dict[str, object] = {"project_id": project}
    if method is not None:
        params["method"] = method
    columns = (TextColumn("aggregating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("aggregate", total=total or None)
        job = jobs.run_now(
            settings,
            database.sessionmaker,
            consensus.KIND,
            params,
            project_id=project,
            on_progress=lambda done, all_: progress.update(bar, completed=done, total=all_),
        )
    if job.status != jobs.COMPLETED:
        _fail(f"aggregation {job.status}: {job.error}")
    tmp = out.with_name(out.name + ".part")
    lines = 0
    try:
        with tmp.open("wb") as fh:
            for chunk in _lines(database.sessionmaker, project):
                fh.write(chunk)
                lines += chunk.count(b"\n")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _fail(f"cannot write {out}: {exc.strerror}")
    console.print(f"wrote {out} ({lines:,} consensus labels, {job.result.get('tasks', 0):,} tasks)")


def _lines(factory: sessionmaker[Session], project_id: int) -> Iterator[bytes]:
    """The stored consensus of the project, one JSON line each, in (task, control) order."""
    import orjson
    from sqlalchemy import Text, cast, select, tuple_

    from labelwise.db.base import table
    from labelwise.db.models import TaskConsensus

    c = table(TaskConsensus).c
    last: tuple[int, str] = (0, "")
    with factory() as db:
        while True:
            rows = db.execute(
                select(c.task_id, c.control, cast(c.result, Text), c.confidence, c.method)
                .where(c.project_id == project_id, tuple_(c.task_id, c.control) > tuple_(*last))
                .order_by(c.task_id, c.control)
                .limit(BATCH)
            ).all()
            if not rows:
                return
            last = (rows[-1][0], rows[-1][1])
            yield b"".join(
                orjson.dumps(
                    {
                        "task": task,
                        "control": control,
                        "result": orjson.Fragment(result),
                        "confidence": confidence,
                        "method": used,
                    }
                )
                + b"\n"
                for task, control, result, confidence, used in rows
            )
