"""The installation's invitation link: one secret token in `app_settings`, shared by every server process.

Label Studio has one link per organization (`/user/signup?token=...`); resetting the token makes every link
handed out before stop working, which is how an admin withdraws an invitation that leaked.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from labelwise.db.engine import begin_write
from labelwise.db.models import AppSetting, User
from labelwise.services import activity

KEY = "invite_token"
SIGNUP_PATH = "/user/signup"


def url_for(token: str) -> str:
    return f"{SIGNUP_PATH}?token={token}"


def current(db: Session) -> str | None:
    """The token in force, or None before anyone asked for a link."""
    row = db.get(AppSetting, KEY)
    return row.value if row is not None and isinstance(row.value, str) and row.value else None


def ensure(db: Session) -> str:
    """The token in force, made on first use."""
    token = current(db)
    return token if token is not None else reset(db, None)


def reset(db: Session, actor: User | None) -> str:
    """A new token; links with the old one stop working at once."""
    begin_write(db)
    token = secrets.token_urlsafe(24)
    row = db.get(AppSetting, KEY)
    if row is None:
        db.add(AppSetting(key=KEY, value=token))
    else:
        row.value = token
    if actor is not None:
        activity.record(db, actor, "invite.reset", "user", actor.id)
    db.commit()
    return token


def accepts(db: Session, token: str | None) -> bool:
    """Whether `token` is the one in force (compared in constant time)."""
    wanted = current(db)
    if not token or wanted is None:
        return False
    return secrets.compare_digest(token.encode(), wanted.encode())
