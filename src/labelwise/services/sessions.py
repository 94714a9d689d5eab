"""Browser sessions: a signed cookie naming the user, plus a double-submit CSRF token.

The cookie is HttpOnly and SameSite=Lax; state-changing requests authenticated by it must echo
the CSRF cookie's value in an `X-CSRFToken` header (or a `csrfmiddlewaretoken` form field).
Bumping the user's `session_version` (password change, logout everywhere) voids old cookies.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from labelwise.db.models import User

SESSION_COOKIE = "lw_session"
CSRF_COOKIE = "lw_csrf"
CSRF_HEADER = "x-csrftoken"


@dataclass(frozen=True)
class SessionData:
    user_id: int
    version: int
    csrf: str


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="labelwise.session")


def issue(user: User, secret: str) -> tuple[str, str]:
    """Return (session cookie value, csrf token)."""
    csrf = secrets.token_urlsafe(24)
    value = _serializer(secret).dumps({"uid": user.id, "v": user.session_version, "csrf": csrf})
    return value, csrf


def read(value: str, secret: str, max_age_seconds: int) -> SessionData | None:
    try:
        raw = _serializer(secret).loads(value, max_age=max_age_seconds)
    except BadSignature:
        return None
    if not isinstance(raw, dict):
        return None
    try:
        return SessionData(int(raw["uid"]), int(raw["v"]), str(raw["csrf"]))
    except (KeyError, TypeError, ValueError):
        return None


def csrf_ok(session: SessionData, presented: str | None) -> bool:
    return bool(presented) and secrets.compare_digest(session.csrf, presented or "")
