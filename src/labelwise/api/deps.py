"""Dependencies every handler shares: the database session, the caller, the JSON body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from labelwise.db.models import User
from labelwise.io import jsonin
from labelwise.services import sessions, tokens, users
from labelwise.services.errors import Forbidden, Invalid, NotAuthenticated
from labelwise.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Dependencies are `async def` when they do no I/O: FastAPI runs every sync dependency in a
# thread of its own, and each hop costs a few hundred microseconds on every request.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A session per request; it opens a connection only when first used (in the handler's thread)."""
    factory = (
        request.app.state.sessionmaker
        if request.method in SAFE_METHODS
        else request.app.state.write_sessionmaker
    )
    db: Session = factory()
    failed = True
    try:
        yield db
        failed = False
    finally:
        # Inline rather than in a thread: ending the transaction is one local round trip at most.
        release(db, failed)


def release(db: Session, failed: bool) -> None:
    """End a request's session: a clean one commits what is left of its transaction instead of rolling it
    back, a failed one (or one with ORM changes never flushed) rolls back.

    Why commit: psycopg forgets every prepared statement of a connection on ROLLBACK (a rolled-back DDL may
    have made them stale). Closing each request's session with a rollback wiped them every request or
    two, so no statement ever reached psycopg's threshold of five runs and PostgreSQL parsed and planned
    every statement of the hot path anew. Services commit their own writes, so what is left at the end of
    a clean request is a read transaction, whose COMMIT costs what its ROLLBACK did.
    """
    try:
        if not failed and db.in_transaction() and not (db.new or db.dirty or db.deleted):
            db.commit()
    finally:
        db.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]


def _secret(request: Request) -> str:
    secret: str = request.app.state.secret
    return secret


def _user_from_credential(db: Session, request: Request, scheme: str, credential: str) -> User | None:
    scheme = scheme.lower()
    if scheme == "token":
        return users.by_token(db, credential)
    if scheme == "bearer":
        user = db.get(User, tokens.access_user_id(credential, _secret(request)))
        return user if user is not None and user.is_active else None
    return None


def authenticate(request: Request, db: Session) -> User:
    """Token header, Bearer access JWT, X-API-Key, or a session cookie (with CSRF on writes)."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, credential = header.strip().partition(" ")
        user = _user_from_credential(db, request, scheme, credential.strip())
        if user is None:
            raise NotAuthenticated("invalid credentials in the Authorization header")
        return user
    api_key = request.headers.get("x-api-key")
    if api_key:
        scheme = "bearer" if api_key.count(".") == 2 else "token"
        user = _user_from_credential(db, request, scheme, api_key.strip())
        if user is None:
            raise NotAuthenticated("invalid X-API-Key")
        return user
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    if cookie:
        settings: Settings = request.app.state.settings
        data = sessions.read(cookie, _secret(request), settings.session_days * 86400)
        user = db.get(User, data.user_id) if data else None
        if data is None or user is None or not user.is_active or user.session_version != data.version:
            raise NotAuthenticated("session expired; log in again")
        if request.method not in SAFE_METHODS and not sessions.csrf_ok(
            data, request.headers.get(sessions.CSRF_HEADER)
        ):
            raise Forbidden("CSRF token missing or incorrect")
        return user
    raise NotAuthenticated("authentication credentials were not provided")


def current_user(request: Request, db: SessionDep) -> User:
    user = authenticate(request, db)
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def json_body(request: Request) -> Any:
    """The request body parsed by orjson; malformed JSON is a 400 that says where."""
    raw = await request.body()
    if not raw.strip():
        return None
    return jsonin.loads(raw, "body")


JsonBody = Annotated[Any, Depends(json_body)]


def json_object(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise Invalid("request body must be a JSON object", {"body": ["expected an object"]})
    return body
