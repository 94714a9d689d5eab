"""Personal access tokens (JWT refresh tokens) and the short-lived access tokens they buy.

This is the scheme label-studio-sdk 2.x speaks: it recognises a JWT api_key, posts it to
`/api/token/refresh/` and sends the returned access token as `Bearer`. Refresh tokens are
revocable because each carries the `jti` of a row in `api_tokens`; access tokens are checked by
signature and expiry alone so that every request does not cost a database read for the token.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.engine import begin_write
from labelwise.db.models import ApiToken, User
from labelwise.services import activity
from labelwise.services.errors import NotAuthenticated, NotFound

ALGORITHM = "HS256"


def _encode(claims: dict[str, Any], secret: str) -> str:
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _decode(token: str, secret: str, expected_type: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "token_type", "user_id"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticated("token is not valid") from exc
    if claims.get("token_type") != expected_type:
        raise NotAuthenticated(f"expected a {expected_type} token")
    return claims


def create_personal(db: Session, user: User, secret: str, days: int) -> tuple[ApiToken, str]:
    begin_write(db)
    now = datetime.now(UTC)
    row = ApiToken(
        user_id=user.id, jti=secrets.token_hex(16), created_at=now, expires_at=now + timedelta(days=days)
    )
    db.add(row)
    db.flush()
    token = _encode(
        {
            "token_type": "refresh",
            "jti": row.jti,
            "user_id": user.id,
            "iat": int(now.timestamp()),
            "exp": int(row.expires_at.timestamp()),
        },
        secret,
    )
    activity.record(db, user, "token.created", "api_token", row.id)
    db.commit()
    return row, token


def list_personal(db: Session, user: User) -> list[ApiToken]:
    return list(
        db.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
        )
    )


def revoke(db: Session, user: User, token_id: int) -> None:
    begin_write(db)
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound(f"token {token_id} not found")
    row.revoked_at = datetime.now(UTC)
    activity.record(db, user, "token.revoked", "api_token", row.id)
    db.commit()


def revoke_by_refresh(db: Session, refresh: str, secret: str) -> None:
    claims = _decode(refresh, secret, "refresh")
    row = db.scalar(select(ApiToken).where(ApiToken.jti == claims.get("jti")))
    if row is None:
        raise NotAuthenticated("token is not valid")
    user = db.get(User, row.user_id)
    if user is not None:
        revoke(db, user, row.id)


def refresh_access(db: Session, refresh: str, secret: str, minutes: int) -> str:
    claims = _decode(refresh, secret, "refresh")
    row = db.scalar(select(ApiToken).where(ApiToken.jti == claims.get("jti")))
    if row is None or row.revoked_at is not None or row.user_id != claims["user_id"]:
        raise NotAuthenticated("token has been revoked")
    user = db.get(User, row.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("user is not active")
    now = datetime.now(UTC)
    return _encode(
        {
            "token_type": "access",
            "jti": secrets.token_hex(8),
            "user_id": user.id,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=minutes)).timestamp()),
        },
        secret,
    )


def access_user_id(token: str, secret: str) -> int:
    return int(_decode(token, secret, "access")["user_id"])
