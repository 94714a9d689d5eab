"""People and their credentials: users, personal access tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from labelwise.db.base import Base, Timestamp, utcnow

ROLES = ("owner", "admin", "manager", "reviewer", "annotator")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(150), default="")
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(20), default="annotator")
    is_active: Mapped[bool] = mapped_column(default=True)
    # Label Studio's legacy API token, sent as `Authorization: Token <key>`.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # Bumped on logout-everywhere / password change to invalidate cookie sessions.
    session_version: Mapped[int] = mapped_column(default=1)
    date_joined: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    last_activity: Mapped[datetime | None] = mapped_column(Timestamp, default=None)


class ApiToken(Base):
    """A personal access token: the JWT refresh token carries this row's `jti`.

    Keeping the row lets a user list and revoke tokens; the JWT itself is never stored.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp, default=None)
