"""`labelwise storage add|list|sync`: import storages straight on the database, as the API keeps them.

The same services the API calls (`storage.local`, `storage.s3`); a sync shows a progress bar over
the objects it imports and prints how many tasks it made, and a failed sync exits non-zero with
the reason it recorded.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from labelwise.cli import DataDir, _db, _fail, _settings, acting_user, app, console
from labelwise.services.errors import ServiceError

storage_app = typer.Typer(
    help="Manage import storages (local directories, S3 buckets).", no_args_is_help=True
)
app.add_typer(storage_app, name="storage")
TYPES = ("localfiles", "s3")


def _kinds() -> dict[str, Any]:
    from labelwise.storage import local, s3

    return {local.TYPE: local.KIND, s3.TYPE: s3.KIND}


@storage_app.command("add")
def add(
    project: Annotated[int, typer.Argument(help="Project id.")],
    kind: Annotated[str, typer.Option("--type", help="localfiles or s3.")],
    path: Annotated[
        str | None, typer.Option(help="localfiles: the directory (inside LABELWISE_LOCAL_FILES_ROOT).")
    ] = None,
    bucket: Annotated[str | None, typer.Option(help="s3: the bucket.")] = None,
    prefix: Annotated[str | None, typer.Option(help="s3: the folder in the bucket.")] = None,
    endpoint: Annotated[
        str | None, typer.Option(help="s3: the endpoint URL of an S3-compatible store.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="s3: the region, e.g. us-east-1.")] = None,
    access_key_id: Annotated[
        str | None, typer.Option(envvar="LABELWISE_S3_ACCESS_KEY_ID", help="s3: access key id.")
    ] = None,
    secret_access_key: Annotated[
        str | None,
        typer.Option(
            envvar="LABELWISE_S3_SECRET_ACCESS_KEY", help="s3: secret access key (better from the env)."
        ),
    ] = None,
    session_token: Annotated[
        str | None, typer.Option(envvar="LABELWISE_S3_SESSION_TOKEN", help="s3: session token.")
    ] = None,
    presign: Annotated[
        bool, typer.Option(help="s3: browsers fetch objects by presigned URL, else through Labelwise.")
    ] = True,
    title: Annotated[str | None, typer.Option(help="Title shown in the project's settings.")] = None,
    regex_filter: Annotated[
        str | None, typer.Option("--regex-filter", help="Only keys matching this regex.")
    ] = None,
    recursive: Annotated[
        bool | None, typer.Option("--recursive/--no-recursive", help="Scan subfolders.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="Email of the acting user (default: first owner).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Add a storage to a project; its connection is checked before it is saved."""
    from labelwise.services import projects

    kinds = _kinds()
    if kind not in kinds:
        _fail(f"--type must be one of {', '.join(TYPES)}")
    given = {
        "path": path,
        "bucket": bucket,
        "prefix": prefix,
        "s3_endpoint": endpoint,
        "region_name": region,
        "aws_access_key_id": access_key_id,
        "aws_secret_access_key": secret_access_key,
        "aws_session_token": session_token,
        "presign": presign if kind == "s3" else None,
        "title": title,
        "regex_filter": regex_filter,
        "recursive_scan": recursive,
    }
    data = {k: v for k, v in given.items() if v is not None}
    unused = sorted(k for k in data if k not in kinds[kind].fields)
    if unused:
        _fail(f"{', '.join(unused)}: not an option of {kind} storage")
    settings = _settings(data_dir)
    database = _db(data_dir)
    with database.write_sessionmaker() as db:
        try:
            proj = projects.get(db, project)
            created = kinds[kind].create(db, settings, proj, acting_user(db, owner), data)
        except ServiceError as exc:
            _fail(exc.detail)
        console.print(f"created {kind} storage {created.id} for project {project}")


@storage_app.command("list")
def list_storages(
    project: Annotated[int | None, typer.Argument(help="Project id (default: all projects).")] = None,
    data_dir: DataDir = None,
) -> None:
    """List storages with where they read from and how their last sync went."""
    from labelwise.storage import sync

    database = _db(data_dir)
    with database.sessionmaker() as db:
        table = Table("id", "project", "type", "title", "status", "last sync", "tasks")
        table.add_column("source", overflow="fold")  # a narrow terminal wraps it rather than cutting it
        for s in sync.listing(db, project, None):
            where = (
                s.settings.get("path")
                or f"s3://{s.settings.get('bucket', '')}/{s.settings.get('prefix', '')}"
            )
            last = s.last_sync.strftime("%Y-%m-%d %H:%M") if s.last_sync else "-"
            table.add_row(
                str(s.id), str(s.project_id), s.type, s.title, s.status, last, str(s.last_sync_count), where
            )
        console.print(table)


@storage_app.command("sync")
def sync_storage(
    storage_id: Annotated[int, typer.Argument(help="Storage id (see `labelwise storage list`).")],
    owner: Annotated[
        str | None, typer.Option(help="Email of the acting user (default: first owner).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Import the objects of a storage not synced before; exits 1 if the sync failed."""
    from labelwise.storage import sync

    settings = _settings(data_dir)
    database = _db(data_dir)
    columns = (
        TextColumn("syncing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("objects"),
        TimeElapsedColumn(),
    )
    with database.write_sessionmaker() as db:
        try:
            storage = sync.get_any(db, storage_id)
            kind = _kinds().get(storage.type)
            if kind is None:
                _fail(f"storage {storage_id} is of type {storage.type!r}, which this version cannot sync")
            assert kind is not None
            user = acting_user(db, owner)
            with Progress(*columns, console=console, transient=True) as progress:
                bar = progress.add_task("sync", total=None)
                done = kind.sync(
                    db,
                    settings,
                    storage,
                    user,
                    lambda n, total: progress.update(bar, completed=n, total=total),
                )
        except ServiceError as exc:
            _fail(exc.detail)
        if done.status == "failed":
            _fail(f"storage {storage_id}: the sync failed: {done.traceback}")
        console.print(f"synced storage {storage_id}: {done.last_sync_count} tasks made")
