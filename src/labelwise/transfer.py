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

from labelwise.cli import DataDir, _db, _fail, acting_user, app, console
from labelwise.services.errors import ServiceError

MODES = ("all", "ground_truth", "latest")


class _Tracked:
    """Files read one after another, with the bytes consumed so far for the progress bar."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.total = sum(p.stat().st_size for p in paths)
        self.done = 0
        self.current: BinaryIO | None = None

    def position(self) -> int:
        return self.done + (self.current.tell() if self.current is not None else 0)

    def records(self, text_key: str | None) -> Iterator[tuple[str, Any]]:
        from labelwise.io import readers
        from labelwise.services.errors import Invalid

        for path in self.paths:
            with path.open("rb") as fh:
                self.current = fh
                for record in readers.read(path.name, fh, text_key):
                    if record.media is not None:
                        raise Invalid(
                            f"{record.where}: media files are imported by upload or storage sync, not here",
                            {"file": [record.where]},
                        )
                    yield record.where, record.item
            self.current = None
            self.done += path.stat().st_size


@app.command("import")
def import_files(
    project: Annotated[int, typer.Argument(help="Project id.")],
    files: Annotated[
        list[Path], typer.Argument(help="Task files: JSON, JSONL, CSV, TSV, TXT, Parquet or ZIP.")
    ],
    owner: Annotated[
        str | None, typer.Option(help="Email of the importing user (default: first owner).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Import task files into a project: all of them, or nothing if any row is invalid."""
    from labelwise.services import imports, projects

    for path in files:
        if not path.is_file():
            _fail(f"{path}: no such file")
    database = _db(data_dir)
    tracked = _Tracked(files)
    with database.write_sessionmaker() as db:
        try:
            proj = projects.get(db, project)
            user = acting_user(db, owner)
            schema = projects.schema(proj)
            keys = schema.required_data_keys or schema.data_keys
            text_key = keys[0] if len(keys) == 1 else None
            columns = (TextColumn("importing"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
            with Progress(*columns, console=console, transient=True) as progress:
                bar = progress.add_task("import", total=tracked.total)
                result = imports.store_stream(
                    db,
                    proj,
                    user,
                    tracked.records(text_key),
                    progress=lambda _n: progress.update(bar, completed=tracked.position()),
                )
        except ServiceError as exc:
            _fail(exc.detail)
    console.print(
        f"imported {result.task_count} tasks, {result.annotation_count} annotations and "
        f"{result.prediction_count} predictions into project {project} in {result.duration:.2f} s"
    )


@app.command("export")
def export_project(
    project: Annotated[int, typer.Argument(help="Project id.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output file.")],
    fmt: Annotated[
        str, typer.Option("--format", help="Export format, e.g. JSON, JSON_MIN, CSV, COCO.")
    ] = "JSON",
    all_tasks: Annotated[bool, typer.Option("--all-tasks/--annotated-only", help="Which tasks.")] = True,
    annotations: Annotated[str, typer.Option(help="all, ground_truth or latest.")] = "all",
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
