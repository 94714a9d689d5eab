"""A lean request path for the common route shape, bypassing FastAPI's dependency solver.

Most Labelwise handlers take nothing but integer path parameters, the caller, a database
session, the settings, the JSON body and the request. For that shape FastAPI's general
dependency machinery (signature analysis per call, the dependency cache, an exit stack, and one
thread hop per sync dependency plus one for the handler) costs more than the handler's own
database work: about 2 ms of a 5 ms annotation. `LeanRoute` resolves those parameters itself
with a plan computed once, and runs session, authentication and handler in a single worker
thread. FastAPI still owns routing, the OpenAPI schema and error handling; a route with any
other kind of parameter (query parameters, headers) keeps FastAPI's own handler.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import re
import typing
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.params import Depends
from fastapi.routing import APIRoute
from starlette.responses import Response, StreamingResponse

from labelwise.api import deps
from labelwise.api.responses import JSON
from labelwise.services.errors import Invalid

_PATH_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
_INTEGER = re.compile(r"-?[0-9]{1,30}")
_DEPENDENCIES: dict[Callable[..., Any], str] = {
    deps.current_user: "user",
    deps.get_db: "db",
    deps.get_settings: "settings",
    deps.json_body: "body",
}


@dataclass
class Plan:
    """Which argument of the handler receives what."""

    ints: list[str] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # "user" | "db" | ... -> argument name


def plan_for(path: str, endpoint: Callable[..., Any]) -> Plan | None:
    """The plan for `endpoint`, or None when it needs something only FastAPI resolves."""
    if asyncio.iscoroutinefunction(endpoint):
        return None
    hints = typing.get_type_hints(endpoint, include_extras=True)
    if hints.get("return") is StreamingResponse:
        return None  # streamed bodies need the session after the handler returns
    in_path = set(_PATH_PARAM.findall(path))
    plan = Plan()
    for name in inspect.signature(endpoint).parameters:
        hint = hints.get(name)
        if hint is Request:
            plan.names["request"] = name
        elif hint is not None and typing.get_origin(hint) is typing.Annotated:
            depends = [m for m in hint.__metadata__ if isinstance(m, Depends)]
            kind = _DEPENDENCIES.get(depends[0].dependency) if len(depends) == 1 else None  # type: ignore[arg-type]
            if kind is None:
                return None
            plan.names[kind] = name
        elif name in in_path and hint is int:
            plan.ints.append(name)
        elif name in in_path and hint is str:
            plan.strings.append(name)
        else:
            return None
    return plan


_HOT = "_labelwise_hot"


def hot(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a route an annotator calls for every task (`next`, submit, update): it runs on the hot lane.

    The hot lane is a pool of its own (`LABELWISE_HOT_THREADS`; by default one thread on SQLite and
    `LABELWISE_REQUEST_THREADS` on PostgreSQL, whose round trips leave the GIL to another thread). Those handlers are short and
    hold the GIL and, on SQLite, the write lock for most of their time, so several threads running them
    only hand both back and forth: with 50 annotators one thread gave twice the annotations per second of
    four, at a third less CPU per annotation (bench/RESULTS.md, step 5). A lane apart from the other routes
    keeps a slow request (a large deletion, a dashboard) from queueing in front of them.
    """
    setattr(endpoint, _HOT, True)
    return endpoint


def executor(request: Request, lane: str = "executor") -> ThreadPoolExecutor:
    state = request.app.state
    pool: ThreadPoolExecutor | None = getattr(state, lane, None)
    if pool is None:
        settings = state.settings
        threads = settings.request_threads
        if lane == "hot_executor":
            # SQLite: one thread (its one write lock serializes the work anyway). PostgreSQL: a thread
            # waiting on a round trip leaves the GIL to another, so the lane is as wide as the pool.
            sqlite = state.engine.dialect.name == "sqlite"
            threads = settings.hot_threads or (1 if sqlite else settings.request_threads)
        pool = ThreadPoolExecutor(threads, f"labelwise-{lane}")
        setattr(state, lane, pool)
    return pool


def _path_int(request: Request, name: str) -> int:
    raw: str = request.path_params[name]
    if not _INTEGER.fullmatch(raw):  # stricter than int(): no spaces, underscores or other scripts' digits
        raise Invalid(f"{name}: must be an integer, got {raw[:40]!r}", {name: ["not an integer"]})
    return int(raw)


def handler(
    endpoint: Callable[..., Any], plan: Plan, status_code: int
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    names = plan.names
    user_arg, db_arg = names.get("user"), names.get("db")
    needs_db = user_arg is not None or db_arg is not None
    lane = "hot_executor" if getattr(endpoint, _HOT, False) else "executor"

    def run(request: Request, kwargs: dict[str, Any]) -> Any:
        factory = (
            request.app.state.sessionmaker
            if request.method in deps.SAFE_METHODS
            else request.app.state.write_sessionmaker
        )
        db = factory()
        failed = True
        try:
            if user_arg is not None:
                kwargs[user_arg] = deps.current_user(request, db)
            if db_arg is not None:
                kwargs[db_arg] = db
            result = endpoint(**kwargs)
            failed = False
            return result
        finally:
            deps.release(db, failed)

    async def app(request: Request) -> Response:
        kwargs: dict[str, Any] = {name: _path_int(request, name) for name in plan.ints}
        for name in plan.strings:
            kwargs[name] = request.path_params[name]
        if "request" in names:
            kwargs[names["request"]] = request
        if "settings" in names:
            kwargs[names["settings"]] = request.app.state.settings
        if "body" in names:
            kwargs[names["body"]] = await deps.json_body(request)
        if needs_db:
            ctx = contextvars.copy_context()
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(executor(request, lane), ctx.run, run, request, kwargs)
        else:  # no I/O (health, version): a thread hop would cost more than the call
            result = endpoint(**kwargs)
        return result if isinstance(result, Response) else JSON(result, status_code=status_code)

    return app


class LeanRoute(APIRoute):
    """An APIRoute whose handler is `handler()`; built only for endpoints `plan_for` accepts."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        plan = plan_for(self.path_format, self.endpoint)
        assert plan is not None, f"{self.path} is not a lean route"
        return handler(self.endpoint, plan, self.status_code or 200)
