"""An APIRouter that answers every path with and without its trailing slash.

Label Studio clients are inconsistent about the slash; a redirect would cost a round trip and
some clients drop the body of a redirected POST, so both spellings are real routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from labelwise.api.responses import JSON


class Router(APIRouter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_response_class", JSON)
        super().__init__(**kwargs)

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        other = path[:-1] if path.endswith("/") else path + "/"
        if other and other != path:
            alt = dict(kwargs)
            alt["include_in_schema"] = False
            alt.pop("operation_id", None)
            super().add_api_route(other, endpoint, **alt)
