"""`labelwise import` and `labelwise export`: files in and out of a project, straight on the database.

Both stream: an import reads its files through `io.readers` in batches inside one transaction (a bad
row anywhere leaves the project untouched), an export writes through `io.exporters` as it reads.
Progress bars show bytes read and tasks written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from labelwise.cli import DataDir, _db, _fail, _settings, acting_user, app, console
from labelwise.db.runtime import open_database
from labelwise.services.errors import ServiceError
from labelwise.services.intake import Intake

MODES = ("all", "ground_truth", "latest", "aggregated")


class _Tracked:
    """Files read one after another, with the bytes consumed so far for the progress bar."""

    def __init__(self, paths: list[Path], urls: list[str]) -> None:
        self.paths, self.urls = paths, urls
        self.total = sum(p.stat().st_size for p in paths)
        self.done = 0
        self.current: BinaryIO | None = None

    def position(self) -> int:
        return self.done + (self.current.tell() if self.current is not None else 0)

    def records(self, intake: Intake) -> Iterator[tuple[str, Any]]:
        for path in self.paths:
            with path.open("rb") as fh:
                self.current = fh
                yield from intake.records(path.name, fh)
            self.current = None
            self.done += path.stat().st_size
        for url in self.urls:  # downloads come last; the bar covers the local files
            yield from intake.downloaded(url)


@app.command("import")
def import_files(
    project: Annotated[int, typer.Argument(help="Project id.")],
    files: Annotated[
        list[str],
        typer.Argument(
            help="Task files (JSON, JSONL, CSV, TSV, TXT, Parquet, ZIP), media files, or http(s) URLs of such files."
        ),
    ],
    owner: Annotated[
        str | None, typer.Option(help="Email of the importing user (default: first owner).")
    ] = None,
    skip_duplicates: Annotated[
        bool, typer.Option(help="Leave out tasks whose data the project already holds.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Import files into a project: all of them, or nothing if any row is invalid. An image,
    audio or video file becomes one task, the file kept in the data directory as an upload. URLs
    are downloaded through the same SSRF guard as the server's (LABELWISE_SSRF_ALLOW_HOSTS)."""
    from labelwise.services import projects

    urls = [f for f in files if f.lower().startswith(("http://", "https://"))]
    paths = [Path(f) for f in files if f not in urls]
    for path in paths:
        if not path.is_file():
            _fail(f"{path}: no such file")
    settings = _settings(data_dir)
    database = open_database(settings)
    tracked = _Tracked(paths, urls)
    with database.write_sessionmaker() as db:
        try:
            proj = projects.get(db, project)
            intake = Intake(db, settings, proj, acting_user(db, owner))
            columns = (TextColumn("importing"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
            with Progress(*columns, console=console, transient=True) as progress:
                bar = progress.add_task("import", total=tracked.total)
                result = intake.store(
                    tracked.records(intake),
                    skip_duplicates,
                    progress=lambda _n: progress.update(bar, completed=tracked.position()),
                )
        except ServiceError as exc:
            _fail(exc.detail)
    skipped = f", skipped {result.skipped_duplicates} duplicates" if skip_duplicates else ""
    console.print(
        f"imported {result.task_count} tasks, {result.annotation_count} annotations and "
        f"{result.prediction_count} predictions into project {project} in {result.duration:.2f} s{skipped}"
    )


@app.command("export")
def export_project(
    project: Annotated[int, typer.Argument(help="Project id.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output file.")],
    fmt: Annotated[
        str, typer.Option("--format", help="Export format, e.g. JSON, JSON_MIN, CSV, COCO.")
    ] = "JSON",
    all_tasks: Annotated[bool, typer.Option("--all-tasks/--annotated-only", help="Which tasks.")] = True,
    annotations: Annotated[
        str, typer.Option(help="all, ground_truth, latest or aggregated (the consensus).")
    ] = "all",
    predictions: Annotated[bool, typer.Option(help="Include predictions as rows.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Export a project to a file, streamed, with a progress bar over its tasks."""
    from labelwise.db.models import Project
    from labelwise.io.exporters.selection import ExportOptions
    from labelwise.services import exports, projects

    if annotations not in MODES:
        _fail(f"--annotations must be one of {', '.join(MODES)}")
    database = _db(data_dir)
    with database.sessionmaker() as db:
        try:
            proj: Project = projects.get(db, project)
            schema = projects.schema(proj)
            choice = exports.choose(schema, fmt)
        except ServiceError as exc:
            _fail(exc.detail)
        total = proj.task_number if all_tasks else proj.num_tasks_with_annotations
    options = ExportOptions(annotations=annotations, include_predictions=predictions)  # type: ignore[arg-type]
    written = 0
    tmp = out.with_name(out.name + ".part")
    columns = (TextColumn(f"exporting {choice.name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress, tmp.open("wb") as fh:
            bar = progress.add_task("export", total=total)
            for chunk in exports.stream(
                database.sessionmaker,
                project,
                schema,
                choice,
                only_annotated=not all_tasks,
                options=options,
                tick=lambda n: progress.advance(bar, n),
            ):
                fh.write(chunk)
                written += len(chunk)
        tmp.replace(out)  # a half-written export never takes the output's name
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _fail(f"cannot write {out}: {exc.strerror}")
    console.print(f"wrote {out} ({choice.name}, {written:,} bytes)")
