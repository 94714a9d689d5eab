"""Who may create their own account, and with which role.

The first account of an empty installation is its owner (someone has to be, and nobody can invite yet).
After that the installation's `signup` setting decides: `invite` needs the current invitation token, `open`
lets anyone in, `off` refuses everyone (admins create users with the command line or the API). People who
sign up themselves are annotators; an admin raises their role later.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from labelwise.db.engine import begin_write
from labelwise.db.models import User
from labelwise.services import checks, invitations, users
from labelwise.services.errors import Forbidden, Invalid

Mode = Literal["invite", "open", "off"]
JOINED_ROLE = "annotator"


def state(db: Session, mode: Mode) -> dict[str, object]:
    """What the sign-up page must say before anyone types: is sign-up possible, is a link needed."""
    first = users.count(db) == 0
    return {
        "mode": mode,
        "first_user": first,
        "enabled": mode != "off",
        "needs_token": not first and mode == "invite",
    }


def check_password(password: object) -> str:
    if not isinstance(password, str) or not password:
        raise Invalid("password is required", {"password": ["required"]})
    if len(password) < users.MIN_PASSWORD:
        raise Invalid(
            f"password must have at least {users.MIN_PASSWORD} characters",
            {"password": [f"at least {users.MIN_PASSWORD} characters"]},
        )
    if len(password) > 1024:
        raise Invalid("password must have at most 1024 characters", {"password": ["at most 1024 characters"]})
    if "\x00" in password:
        raise Invalid("password must not contain NUL characters", {"password": ["must not contain NUL"]})
    return password


def sign_up(db: Session, mode: Mode, email: object, password: object, token: object = None) -> User:
    """Create the account, or raise naming the field at fault (email, password or token)."""
    if mode == "off":
        raise Forbidden("sign-up is switched off on this installation; ask an admin for an account")
    if not isinstance(email, str) or not email.strip():
        raise Invalid("email is required", {"email": ["required"]})
    checks.text(email, "email", 254)
    secret = check_password(password)
    if token is not None and not isinstance(token, str):
        raise Invalid("token must be a string", {"token": ["expected a string"]})
    _serialize(db)
    if users.by_email(db, email) is not None:
        db.rollback()
        raise Invalid(
            "an account with this email already exists; log in instead", {"email": ["already taken"]}
        )
    first = users.count(db) == 0
    if not first and mode == "invite" and not invitations.accepts(db, token):
        why = "this invitation link is no longer valid" if token else "sign-up needs an invitation link"
        db.rollback()
        raise Invalid(f"token: {why}; ask an admin for a new one", {"token": [why]})
    return users.create(db, email, secret, "owner" if first else JOINED_ROLE)


def _serialize(db: Session) -> None:
    """The count and the insert in one write transaction, one sign-up at a time: one first owner, not two."""
    begin_write(db)  # SQLite: BEGIN IMMEDIATE takes the database's write lock
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(hashtext('labelwise.signup'))"))
