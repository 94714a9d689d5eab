"""Browser sessions: a signed cookie naming the user, plus a double-submit CSRF token.

The cookie is HttpOnly and SameSite=Lax; state-changing requests authenticated by it must echo
the CSRF cookie's value in an `X-CSRFToken` header (or a `csrfmiddlewaretoken` form field).
Bumping the user's `session_version` (password change, logout everywhere) voids old cookies.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from labelwise.db.engine import begin_write
from labelwise.db.models import User
from labelwise.services import activity, checks, users
from labelwise.services.errors import NotAuthenticated

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


@dataclass(frozen=True)
class Origin:
    """Where a sign-in came from, for the audit trail."""

    ip_address: str | None
    user_agent: str | None


def sign_in(db: Session, email: str, password: str, origin: Origin) -> User:
    """The user whose password this is, with a `user.login` row; a failed attempt leaves a
    `user.login_failed` row (the e-mail tried, never the password; the user when the e-mail is known)
    that is committed before the 401."""
    checks.text(email, "email", 254)
    user = users.by_email(db, email)
    ok = user is not None and user.is_active and users.verify_password(user, password)
    begin_write(db)  # after the slow hash check, so SQLite's write lock is held only for the row
    ip, agent = origin.ip_address, origin.user_agent
    if not ok or user is None:
        uid = user.id if user is not None else None
        detail = {"email": email}
        activity.record(db, user, "user.login_failed", "user", uid, detail, ip_address=ip, user_agent=agent)
        db.commit()
        raise NotAuthenticated("wrong email or password")
    activity.record(db, user, "user.login", "user", user.id, {}, ip_address=ip, user_agent=agent)
    db.commit()
    return user


def signed_out(db: Session, user: User, origin: Origin) -> None:
    begin_write(db)
    activity.record(
        db,
        user,
        "user.logout",
        "user",
        user.id,
        {},
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
    )
    db.commit()
