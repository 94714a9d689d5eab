"""`labelwise predict PROJECT --model NAME`: a pre-annotation run from the command line, with a progress bar.

The run is the server's `ml.predict` job, executed here: its row is claimed like a runner would, so a
server running at the same time never takes it too, and Ctrl+C (or a crash) leaves it queued with its
checkpoint. Running the same command again resumes that run rather than starting over; so would a
server at its next start.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from labelwise.cli import DataDir, _fail, _settings, acting_user, app, console
from labelwise.services.errors import ServiceError


def _context(
    factory: sessionmaker[Session], settings: Any, row: Any, params: dict[str, Any], user_id: int
) -> Any:
    """The resumable run of this connection (queued after an interruption), claimed; else a new run."""
    from labelwise import jobs
    from labelwise.jobs import store
    from labelwise.ml import runs

    with factory() as db:
        waiting = [j for j in runs.runs_of(db, row) if j.status == jobs.QUEUED]
    for job in waiting:
        claim = store.claim(factory, job, store.stale_threshold(settings.job_stale_seconds))
        if claim is not None:
            console.print(f"resuming run {claim.job_id} from task {claim.checkpoint.get('after', 0)}")
            return jobs.Context(
                claim.job_id,
                claim.kind,
                claim.params,
                claim.checkpoint,
                settings,
                factory,
                claim.attempt,
                claim.progress,
            )
    with factory() as db:
        job = store.submit(
            db, runs.KIND, params, project_id=row.project_id, user_id=user_id, status=jobs.RUNNING
        )
    return jobs.Context(job.id, runs.KIND, dict(params), {}, settings, factory, 1)


@app.command("predict")
def predict(
    project: Annotated[int, typer.Argument(help="Project id.")],
    model: Annotated[str, typer.Option("--model", help="The model connection: its title or id.")],
    tasks: Annotated[
        str | None, typer.Option(help="Only these task ids, comma-separated (default: all).")
    ] = None,
    batch_size: Annotated[int | None, typer.Option(help="Tasks per request to the model.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Pre-annotate a project's tasks with a model connection; predictions are stored with their model
    version and score. Interrupted runs resume where they stopped."""
    from labelwise.db.runtime import open_database
    from labelwise.jobs import runner, store
    from labelwise.ml import connections, runs
    from labelwise.services import projects

    settings = _settings(data_dir)
    database = open_database(settings)
    factory = database.write_sessionmaker
    try:
        with factory() as db:
            row = connections.find(db, projects.get(db, project), model)
            body: dict[str, Any] = {}
            if tasks:
                try:
                    body["tasks"] = [int(t) for t in tasks.split(",") if t.strip()]
                except ValueError:
                    _fail("--tasks must be task ids separated by commas")
            params = runs.prepare(db, row, body, batch_size)
            user_id = acting_user(db, None).id
            db.commit()
        ctx = _context(factory, settings, row, params, user_id)
    except ServiceError as exc:
        _fail(exc.detail)
    work = threading.Thread(target=runner.execute, args=(ctx, factory), daemon=True)
    columns = (
        TextColumn(f"predicting with {row.title or row.id}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("predict", total=None)
        work.start()
        try:
            while work.is_alive():
                work.join(0.2)
                runner.flush(factory, [ctx])  # heartbeat: the row stays ours while we run it
                progress.update(bar, completed=ctx.done, total=ctx.total)
        except KeyboardInterrupt:
            ctx.stop_event.set()  # the job ends at its next batch and is queued again with its checkpoint
            work.join()
    with factory() as db:
        job = store.get(db, ctx.job_id)
    if job.status == "completed":
        r = job.result or {}
        invalid = (
            f", {r.get('invalid')} did not fit the config ({r.get('first_error')})"
            if r.get("invalid")
            else ""
        )
        console.print(
            f"predicted {r.get('predicted', 0)} of {r.get('total', 0)} tasks in run {job.id}{invalid}"
        )
    elif job.status == "queued":
        console.print(
            f"interrupted after {job.progress_done} tasks; run the same command again to resume run {job.id}"
        )
        raise typer.Exit(130)
    else:
        _fail(f"run {job.id} {job.status}: {job.error}")
