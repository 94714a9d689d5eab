"""Test people: users of a given role who belong to a project, made through the real services."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import User
from labelwise.services import members, projects, users


def join(db: Session, project_id: int, user: User, role: str = "annotator") -> User:
    """Make `user` a member of the project, added by the installation's owner as a manager would."""
    owner = db.scalar(select(User).where(User.role == "owner").order_by(User.id).limit(1))
    assert owner is not None, "the owner fixture (`admin`) must exist first"
    members.add(db, projects.get(db, project_id), owner, user.id, role)
    return user


def member(
    db: Session,
    project_id: int,
    email: str,
    role: str = "annotator",
    token: str | None = None,
) -> User:
    """A new user whose organization role and project role are both `role` (reviewer or annotator)."""
    user = users.create(db, email, "password-123", role, token=token)
    return join(db, project_id, user, role if role in members.PROJECT_ROLES else "annotator")
