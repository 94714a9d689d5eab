"""Project members: who works on a project, and in which role.

Reviewers and annotators reach a project only through membership; managers and above run every
project already, but may still be listed as members (a manager added as "reviewer" stays a manager:
the effective role is the higher of the two, see `policies.project_role`).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.db.engine import affected, begin_write
from labelwise.db.models import Project, ProjectMember, User
from labelwise.services import activity, checks
from labelwise.services.errors import Forbidden, Invalid, NotFound

PROJECT_ROLES = ("annotator", "reviewer", "manager")


def listing(db: Session, project: Project) -> list[tuple[ProjectMember, User]]:
    rows = db.execute(
        select(ProjectMember, User)
        .join(User, User.id == ProjectMember.user_id)
        .where(ProjectMember.project_id == project.id)
        .order_by(ProjectMember.id)
    )
    return [(m, u) for m, u in rows]


def _user(db: Session, user_id: object) -> User:
    if not checks.is_id(user_id):
        raise Invalid("user must be a user id", {"user": ["a positive integer is required"]})
    user = db.get(User, user_id)
    if user is None or not user.is_active:
        raise Invalid(f"user {user_id} does not exist", {"user": [f"no active user {user_id}"]})
    return user


def add(
    db: Session, project: Project, actor: User, user_id: object, role: object = "annotator"
) -> ProjectMember:
    """Add the user, or change their role when they already belong; idempotent."""
    if role not in PROJECT_ROLES:
        raise Invalid(f"role must be one of {', '.join(PROJECT_ROLES)}", {"role": [f"unknown role {role!r}"]})
    if not policies.can_assign_role(actor, str(role)):
        raise Forbidden(f"your role ({actor.role}) may not make someone a {role}")
    user = _user(db, user_id)
    begin_write(db)
    member = db.scalar(
        select(ProjectMember).where(ProjectMember.project_id == project.id, ProjectMember.user_id == user.id)
    )
    before = member.role if member is not None else None
    if member is None:
        member = ProjectMember(project_id=project.id, user_id=user.id, role=str(role))
        db.add(member)
    else:
        member.role = str(role)
    if before != role:
        activity.record(
            db,
            actor,
            "member.add" if before is None else "member.role",
            "user",
            user.id,
            {"role": role, "before": before},
            project.id,
        )
    db.flush()
    policies.forget_roles(db)
    db.commit()
    return member


def remove(db: Session, project: Project, actor: User, user_id: object) -> None:
    user = _user(db, user_id)
    begin_write(db)
    gone = affected(
        db.execute(
            delete(ProjectMember).where(
                ProjectMember.project_id == project.id, ProjectMember.user_id == user.id
            )
        )
    )
    if not gone:
        db.rollback()
        raise NotFound(f"user {user.id} is not a member of project {project.id}")
    activity.record(db, actor, "member.remove", "user", user.id, {}, project.id)
    policies.forget_roles(db)
    db.commit()


def project_ids(db: Session, user: User) -> list[int]:
    """The projects a reviewer or annotator belongs to."""
    return list(db.scalars(select(ProjectMember.project_id).where(ProjectMember.user_id == user.id)))
