"""An APIRouter tuned for Label Studio clients and for speed.

- Every path answers with and without its trailing slash. Label Studio clients are inconsistent
  about the slash; a redirect would cost a round trip and some clients drop the body of a
  redirected POST, so the slash is stripped before routing (see `api.middleware`).
- Handlers return plain dicts and lists that go straight to orjson. FastAPI would otherwise
  validate and re-encode the return value in Python against its annotation, which costs more
  than the database work on a page of 100 tasks.
- Routes of the common shape (path ids, caller, session, settings, body) run through
  `api.lean.LeanRoute`, skipping FastAPI's per-request dependency solving.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from labelwise.api import lean
from labelwise.api.responses import JSON


def _direct(endpoint: Callable[..., Any], status_code: int) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            result = await endpoint(*args, **kwargs)
            return result if isinstance(result, Response) else JSON(result, status_code=status_code)

        return async_wrapper

    @functools.wraps(endpoint)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        return result if isinstance(result, Response) else JSON(result, status_code=status_code)

    return wrapper


class Router(APIRouter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_response_class", JSON)
        super().__init__(**kwargs)

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["response_model"] = None
        if lean.plan_for(path, endpoint) is not None:
            kwargs["route_class_override"] = lean.LeanRoute
        else:
            endpoint = _direct(endpoint, kwargs.get("status_code") or 200)
        # Routes are declared without the trailing slash; `api.middleware.TrailingSlash` strips it
        # from incoming paths, so both spellings reach the same route with one route to match.
        super().add_api_route(path.rstrip("/") or "/", endpoint, **kwargs)
