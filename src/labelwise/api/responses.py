"""A JSON response rendered by orjson (see `io.encoding`): several times faster than the stdlib."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from labelwise.io.encoding import dumps


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
