"""User accounts: creation, roles, passwords and the legacy API token."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from labelwise.db.attach import attach
from labelwise.db.base import table
from labelwise.db.engine import begin_write
from labelwise.db.models import ROLES, User
from labelwise.db.prepared import Prepared
from labelwise.services import activity, checks
from labelwise.services.errors import Conflict, Invalid, NotFound

_hasher = PasswordHasher()
MIN_PASSWORD = 8


def new_token() -> str:
    return secrets.token_hex(20)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", {"role": [f"unknown role {role!r}"]})
    return role


def _check_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    bad = any(c.isspace() or c == "\x00" for c in email)
    if not local or "." not in domain or len(email) > 254 or bad:
        raise Invalid("email is not a valid address", {"email": [f"{email!r} is not an email address"]})
    return email


def get(db: Session, user_id: int) -> User:
    user = db.get(User, user_id) if checks.is_id(user_id) else None
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


def by_email(db: Session, email: str) -> User | None:
    if "\x00" in email or len(email) > 254:
        return None  # cannot be stored, so cannot exist; PostgreSQL would refuse the query
    return db.scalar(select(User).where(User.email == email.strip().lower()))


def by_email_or_404(db: Session, email: str) -> User:
    user = by_email(db, email)
    if user is None:
        raise NotFound(f"no user with email {email!r}")
    return user


_USERS = table(User)
_BY_TOKEN = Prepared(select(_USERS).where(_USERS.c.token == bindparam("token"), _USERS.c.is_active.is_(True)))


def by_token(db: Session, token: str) -> User | None:
    """Runs on every token-authenticated request: one prepared statement, attached without the ORM."""
    rows = _BY_TOKEN.run(db, {"token": token})
    return attach(db, User, _USERS.c.keys(), rows[0]) if rows else None


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(User)) or 0


def create(
    db: Session,
    email: str,
    password: str | None,
    role: str = "annotator",
    *,
    username: str = "",
    first_name: str = "",
    last_name: str = "",
    token: str | None = None,
    actor: User | None = None,
) -> User:
    begin_write(db)
    email = _check_email(email)
    _check_role(role)
    if password is not None and len(password) < MIN_PASSWORD:
        raise Invalid(f"password must have at least {MIN_PASSWORD} characters", {"password": ["too short"]})
    if by_email(db, email) is not None:
        raise Conflict(f"a user with email {email!r} already exists", {"email": ["already exists"]})
    if token is not None and by_token(db, token) is not None:
        raise Conflict("that API token is already in use", {"token": ["already in use"]})
    user = User(
        email=email,
        username=username or email.split("@")[0],
        first_name=first_name,
        last_name=last_name,
        password_hash=hash_password(password) if password else "",
        role=role,
        token=token or new_token(),
    )
    db.add(user)
    db.flush()
    activity.record(db, actor or user, "user.created", "user", user.id, {"role": role})
    db.commit()
    return user


def set_role(db: Session, user: User, role: str, actor: User | None = None) -> User:
    begin_write(db)
    old = user.role
    user.role = _check_role(role)
    activity.record(db, actor, "user.role_changed", "user", user.id, {"from": old, "to": role})
    db.commit()
    return user


def set_password(db: Session, user: User, password: str) -> None:
    begin_write(db)
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"password must have at least {MIN_PASSWORD} characters", {"password": ["too short"]})
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.commit()


def set_token(db: Session, user: User, token: str) -> None:
    begin_write(db)
    other = by_token(db, token)
    if other is not None and other.id != user.id:
        raise Conflict("that API token is already in use", {"token": ["already in use"]})
    user.token = token
    db.commit()


def reset_token(db: Session, user: User) -> str:
    begin_write(db)
    user.token = new_token()
    activity.record(db, user, "user.token_reset", "user", user.id)
    db.commit()
    return user.token


def ensure_admin(db: Session, email: str, password: str | None, token: str | None) -> User:
    """What `labelwise start --username --password --user-token` does: create or update the first admin.

    The first user of an installation becomes owner; an existing user keeps a higher role.
    """
    user = by_email(db, email)
    if user is None:
        role = "owner" if count(db) == 0 else "admin"
        return create(db, email, password, role, token=token)
    if password and not verify_password(user, password):
        set_password(db, user, password)

    if token and user.token != token:
        set_token(db, user, token)
    if user.role not in ("owner", "admin"):
        set_role(db, user, "admin")
    return user
