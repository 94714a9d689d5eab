"""The `labelwise` command: start the server, migrate, manage users and projects.

Every command works straight on the database (no running server needed), takes `--data-dir`
and honours `LABELWISE_DATABASE_URL`, exactly like `start`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from labelwise import __version__

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from labelwise.db.models import User

app = typer.Typer(help="Labelwise: self-hosted data labeling.", no_args_is_help=True, add_completion=False)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
project_app = typer.Typer(help="Manage projects.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(project_app, name="project")
console = Console()
err = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default: per-user data dir; env LABELWISE_DATA_DIR)."),
]


def _settings(data_dir: Path | None):  # type: ignore[no-untyped-def]
    """Settings with the CLI's --data-dir applied through the environment, so worker processes see it too."""
    from labelwise.settings import Settings, get_settings

    if data_dir is not None:
        os.environ["LABELWISE_DATA_DIR"] = str(data_dir.expanduser().resolve())
    get_settings.cache_clear()
    settings: Settings = get_settings()
    return settings


def _db(data_dir: Path | None):  # type: ignore[no-untyped-def]
    from labelwise.db.runtime import open_database

    return open_database(_settings(data_dir))


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(1)


def acting_user(db: Session, email: str | None) -> User:
    """The user a command acts as: the one named, else the first owner or admin."""
    from sqlalchemy import select

    from labelwise.db.models import User
    from labelwise.services import users

    user = (
        users.by_email_or_404(db, email)
        if email
        else db.scalar(select(User).where(User.role.in_(("owner", "admin"))).order_by(User.id))
    )
    if user is None:
        _fail("no owner or admin exists yet; create one with `labelwise user create --role owner`")
    assert user is not None
    return user


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command()
def start(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    data_dir: DataDir = None,
    username: Annotated[str | None, typer.Option(help="Create or update this admin (email).")] = None,
    password: Annotated[str | None, typer.Option(help="Password for --username.")] = None,
    user_token: Annotated[
        str | None, typer.Option("--user-token", help="Legacy API token for --username.")
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Accepted for Label Studio parity.")
    ] = False,
    workers: Annotated[
        int, typer.Option(help="Server processes (PostgreSQL recommended for more than 1).")
    ] = 1,
    log_level: Annotated[str, typer.Option(help="Uvicorn log level.")] = "warning",
) -> None:
    """Start the web server (migrating the database first)."""
    import uvicorn

    from labelwise.services import users

    settings = _settings(data_dir)
    from labelwise.db.runtime import open_database

    database = open_database(settings)
    settings.signing_secret()
    if username:
        from labelwise.db.engine import session_scope

        with session_scope(database.sessionmaker) as db:
            from labelwise.services.errors import ServiceError

            try:
                users.ensure_admin(db, username, password, user_token)
            except ServiceError as exc:
                _fail(exc.detail)
    database.engine.dispose()
    backend = "PostgreSQL" if settings.sqlalchemy_url.startswith("postgresql") else "SQLite"
    console.print(f"Labelwise {__version__} on {backend}, data in {settings.data_dir}")
    console.print(f"Serving at [bold]http://{host}:{port}/[/bold]  (API docs at /docs)")
    sys.stdout.flush()
    uvicorn.run(
        "labelwise.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        log_level=log_level,
        access_log=False,
    )


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Apply database migrations."""
    from labelwise.db import migrate as m

    database = _db(data_dir)
    console.print(f"database at revision {m.current_revision(database.engine)}")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Email address (the login).")],
    password: Annotated[str | None, typer.Option(help="Password (at least 8 characters).")] = None,
    role: Annotated[str, typer.Option(help="owner, admin, manager, reviewer or annotator.")] = "annotator",
    token: Annotated[str | None, typer.Option(help="Legacy API token to set (default: random).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a user."""
    from labelwise.db.engine import session_scope
    from labelwise.services import users
    from labelwise.services.errors import ServiceError

    database = _db(data_dir)
    with session_scope(database.sessionmaker) as db:
        try:
            user = users.create(db, email, password, role, token=token)
        except ServiceError as exc:
            _fail(exc.detail)
        console.print(f"created user {user.id} {user.email} ({user.role})")


@user_app.command("list")
def user_list(data_dir: DataDir = None) -> None:
    """List users."""
    from sqlalchemy import select

    from labelwise.db.models import User

    database = _db(data_dir)
    with database.sessionmaker() as db:
        table = Table("id", "email", "role", "active")
        for u in db.scalars(select(User).order_by(User.id)):
            table.add_row(str(u.id), u.email, u.role, "yes" if u.is_active else "no")
        console.print(table)


@user_app.command("set-role")
def user_set_role(email: str, role: str, data_dir: DataDir = None) -> None:
    """Change a user's organization role."""
    from labelwise.db.engine import session_scope
    from labelwise.services import users
    from labelwise.services.errors import ServiceError

    database = _db(data_dir)
    with session_scope(database.sessionmaker) as db:
        try:
            user = users.set_role(db, users.by_email_or_404(db, email), role)
        except ServiceError as exc:
            _fail(exc.detail)
        console.print(f"{user.email} is now {user.role}")


@user_app.command("token")
def user_token(email: str, data_dir: DataDir = None) -> None:
    """Print a user's legacy API token (alone on the last line)."""
    from labelwise.services import users
    from labelwise.services.errors import ServiceError

    database = _db(data_dir)
    with database.sessionmaker() as db:
        try:
            user = users.by_email_or_404(db, email)
        except ServiceError as exc:
            _fail(exc.detail)
        print(user.token)


@project_app.command("create")
def project_create(
    title: Annotated[str, typer.Option(help="Project title.")],
    config: Annotated[Path | None, typer.Option(help="Labeling config XML file.")] = None,
    owner: Annotated[
        str | None, typer.Option(help="Email of the creating user (default: first owner).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a project from a labeling config file."""

    from labelwise.db.engine import session_scope
    from labelwise.services import projects
    from labelwise.services.errors import ServiceError

    fields: dict[str, object] = {"title": title}
    if config is not None:
        try:
            fields["label_config"] = config.read_text(encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot read {config}: {exc.strerror}")
    database = _db(data_dir)
    with session_scope(database.sessionmaker) as db:
        try:
            project = projects.create(db, acting_user(db, owner), fields)
        except ServiceError as exc:
            _fail(exc.detail)
        console.print(f"created project {project.id} {project.title!r}")


@project_app.command("list")
def project_list(data_dir: DataDir = None) -> None:
    """List projects with their counters."""
    from sqlalchemy import select

    from labelwise.db.models import Project

    database = _db(data_dir)
    with database.sessionmaker() as db:
        table = Table("id", "title", "tasks", "annotations", "predictions")
        for p in db.scalars(select(Project).order_by(Project.id)):
            table.add_row(
                str(p.id),
                p.title,
                str(p.task_number),
                str(p.total_annotations_number),
                str(p.total_predictions_number),
            )
        console.print(table)


@project_app.command("add-member")
def project_add_member(
    project_id: int,
    email: str,
    role: Annotated[str, typer.Option(help="annotator, reviewer or manager.")] = "annotator",
    data_dir: DataDir = None,
) -> None:
    """Add someone to a project (or change their project role)."""
    from labelwise.db.engine import session_scope
    from labelwise.services import members, projects, users
    from labelwise.services.errors import ServiceError

    database = _db(data_dir)
    with session_scope(database.sessionmaker) as db:
        try:
            project = projects.get(db, project_id)
            member = members.add(
                db, project, acting_user(db, None), users.by_email_or_404(db, email).id, role
            )
        except ServiceError as exc:
            _fail(exc.detail)
        console.print(f"{email} is a {member.role} of project {project_id}")


@project_app.command("remove-member")
def project_remove_member(project_id: int, email: str, data_dir: DataDir = None) -> None:
    """Take someone out of a project."""
    from labelwise.db.engine import session_scope
    from labelwise.services import members, projects, users
    from labelwise.services.errors import ServiceError

    database = _db(data_dir)
    with session_scope(database.sessionmaker) as db:
        try:
            project = projects.get(db, project_id)
            members.remove(db, project, acting_user(db, None), users.by_email_or_404(db, email).id)
        except ServiceError as exc:
            _fail(exc.detail)
        console.print(f"{email} is no longer a member of project {project_id}")


# The import, export and storage commands live in their own modules; importing them registers them on `app`.
from labelwise import cli_ml as _cli_ml  # noqa: E402,F401
from labelwise import cli_storage as _cli_storage  # noqa: E402,F401
from labelwise import transfer as _transfer  # noqa: E402,F401

# `labelwise quality ...`: agreement and aggregated labels (`cli_aggregate.py` adds `aggregate`,
# `cli_agreement.py` adds `agreement`).
quality_app = typer.Typer(help="Agreement and aggregated labels.", no_args_is_help=True)
app.add_typer(quality_app, name="quality")
from labelwise import cli_aggregate as _cli_aggregate  # noqa: E402
from labelwise import cli_agreement as _cli_agreement  # noqa: E402

_cli_aggregate.register(quality_app)
_cli_agreement.register(quality_app)

if __name__ == "__main__":
    app()
