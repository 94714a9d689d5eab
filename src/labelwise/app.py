"""create_app(): the FastAPI application with its routers, error handlers and security headers."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from labelwise import __version__, housekeeping, jobs
from labelwise.api import (
    actions,
    activity_logs,
    agreement,
    assignments,
    auth,
    consensus,
    drafts,
    editor,
    exports,
    gold,
    history,
    imports,
    invitations,
    media,
    media_proxy,
    members,
    ml,
    model_versions,
    pauses,
    predictions,
    presign,
    preview,
    projects,
    prompts,
    reviews,
    stats,
    storages,
    system,
    tasks,
    trash,
    uploads,
    users,
    views,
    webhooks,
)
from labelwise.api import annotations as annotations_api
from labelwise.api.middleware import SecurityHeaders, TrailingSlash
from labelwise.api.responses import JSON
from labelwise.db.runtime import Database, open_database
from labelwise.services import deliveries
from labelwise.services.errors import ServiceError
from labelwise.settings import Settings, get_settings
from labelwise.web import routes as web_routes

HOT_PATHS = frozenset({"/api/tasks/{task_id}/annotations", "/api/projects/{project_id}/next", "/api/tasks"})
ROUTERS = tuple(
    m.router
    for m in (
        system,
        auth,
        users,
        projects,
        members,
        imports,
        exports,
        tasks,
        annotations_api,
        predictions,
        storages,
        media,
        uploads,
        presign,
        media_proxy,
        editor,
        drafts,
        invitations,
        preview,
        prompts,
        views,
        actions,
        reviews,
        history,
        trash,
        activity_logs,
        webhooks,
        stats,
        assignments,
        pauses,
        consensus,
        ml,
        model_versions,
        gold,
        agreement,
    )
)


def _error(status: int, detail: str, errors: dict[str, object] | None = None) -> JSON:
    body: dict[str, object] = {"status_code": status, "detail": detail, "version": __version__}
    if errors:
        body["validation_errors"] = errors
    return JSON(body, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> Response:
        return _error(exc.status_code, exc.detail, exc.errors)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> Response:
        errors: dict[str, object] = {}
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
            errors.setdefault(loc or "request", []).append(err.get("msg", "invalid"))  # type: ignore[attr-defined]
        first = next(iter(errors.items()), ("request", ["invalid"]))
        return _error(400, f"{first[0]}: {first[1][0]}", errors)  # type: ignore[index]

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(DataError)
    async def data_error(_: Request, exc: DataError) -> Response:
        # Defence in depth: services check values first; a value the database still refuses
        # (out of range, wrong type) is the client's input, not a server fault.
        return _error(400, "a value is out of range or of the wrong type for its field")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> Response:
        return _error(500, "internal server error")


# How long a thread may keep the GIL while another waits for it (Python's default: 5 ms). A request thread
# whose database round trip returned waits that long for the GIL, and the one holding the queue's
# per-project section (lock, choice, commit) holds it for every waiting annotator meanwhile: at 1 ms the
# PostgreSQL team run went from 166 to 180 annotations/s, next p95 from 124 to 94 ms (bench/RESULTS.md).
# On SQLite (one hot thread, the section inside the process) it cost more switching than it saved.
SWITCH_SECONDS = 0.001


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    db = database or open_database(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if db.engine.dialect.name == "postgresql":
            sys.setswitchinterval(SWITCH_SECONDS)
        housekeeping.purge_trash(settings, db)  # at every start, then on the clock
        runner = jobs.start(settings, db.sessionmaker)  # resumes jobs a stopped process left
        dispatcher = deliveries.Dispatcher(settings, db.sessionmaker).start()  # webhook outbox
        keeper = housekeeping.Housekeeping(settings, db).start()
        try:
            yield
        finally:
            keeper.stop()
            dispatcher.stop()
            jobs.stop(runner)
        for lane in ("executor", "hot_executor"):
            pool = getattr(app.state, lane, None)
            if pool is not None:
                pool.shutdown(wait=False)
        db.engine.dispose()

    app = FastAPI(title="Labelwise", version=__version__, lifespan=lifespan, default_response_class=JSON)
    app.state.settings = settings
    app.state.engine = db.engine
    app.state.sessionmaker = db.sessionmaker
    app.state.write_sessionmaker = db.write_sessionmaker
    app.state.secret = settings.signing_secret()
    _install_error_handlers(app)

    app.add_middleware(SecurityHeaders)
    app.add_middleware(TrailingSlash)
    # Routes go onto the app's own router rather than through include_router: FastAPI matches an
    # included router's routes twice per request, a cost paid on every call.
    for router in ROUTERS:
        app.router.routes.extend(router.routes)
    web_routes.install(app)
    # Starlette tries routes in order; the calls an annotator makes all day are tried first. None
    # of them can shadow another route (their paths end in a parameter-free segment of their own).
    app.router.routes.sort(key=lambda r: getattr(r, "path", "") not in HOT_PATHS)
    return app
