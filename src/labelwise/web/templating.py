"""The Jinja2 environment every page renders through.

Autoescaping is on for every template. Data a page's script needs goes into a
`<script type="application/json">` block through `json_data`, never into inline script: the
Content-Security-Policy forbids inline script, and `json_data` escapes `<`, `>` and `&` so task data
holding `</script>` cannot end the block.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from labelwise import __version__
from labelwise.services import sessions

STATIC_DIR = Path(str(resources.files("labelwise.web").joinpath("static")))

_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
_JSON_ESCAPES |= {0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_data(value: Any) -> Markup:
    """JSON safe to place inside `<script type="application/json">` (and nowhere else)."""
    text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return Markup(text.translate(_JSON_ESCAPES))


@cache
def _static_version(path: str) -> str:
    """A short content hash, so browsers may cache static files and still see a new release at once."""
    try:
        return hashlib.sha1((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return __version__


def _can(user: Any, action: str, project: Any = None) -> bool:
    """`can(user, "task.list", project)` in templates: menus show only what the policy allows."""
    from labelwise import policies

    return user is not None and policies.allowed(user, action, project)


def static_url(path: str) -> str:
    return f"/static/{path}?v={_static_version(path)}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("labelwise.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["json_data"] = json_data
    env.globals["static_url"] = static_url
    env.globals["version"] = __version__
    env.globals["can"] = _can
    return env


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; `user` (the signed-in user or None) and `csrf_token` are always available."""
    context.setdefault("user", getattr(request.state, "user", None))
    context.setdefault("csrf_token", request.cookies.get(sessions.CSRF_COOKIE, ""))
    context["request"] = request
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"})
