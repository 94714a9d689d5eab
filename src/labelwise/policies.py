"""Who may do what, in one place, for the API and the pages alike.

A user's role in a project is the higher of their organization role (when it is manager or above: managers
run every project) and their role as a member of that project (`project_members`). Reviewers and
annotators see only the projects they are members of; to anyone else a project they may not see does
not exist (404), and an action above their role in a project they see is a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, object_session

from labelwise.db.base import table
from labelwise.db.models import Project, ProjectMember, User
from labelwise.db.prepared import Prepared
from labelwise.services.errors import Forbidden, NotFound

RANK = {"annotator": 0, "reviewer": 1, "manager": 2, "admin": 3, "owner": 4}

# The lowest role (in the project when one is given, else in the organization) for each action.
MINIMUM_ROLE = {
    "project.view": "annotator",
    "project.create": "manager",
    "project.change": "manager",
    "project.delete": "manager",
    "project.import": "manager",
    "project.export": "manager",
    "project.members": "manager",  # add and remove members, change their project role
    "member.list": "reviewer",
    "task.list": "reviewer",  # the data manager, task pages, views
    "task.view": "annotator",  # one task (annotators: see `task_visible` in services/access.py)
    "task.change": "manager",
    "task.delete": "manager",
    "task.assign": "manager",  # assign and unassign annotators and reviewers
    "annotate": "annotator",
    "annotation.view_others": "reviewer",  # annotators too when the project is not blind
    "annotation.change_any": "manager",
    "annotation.history": "manager",  # view and restore any annotation's history
    "review": "reviewer",
    "prediction.change": "manager",
    "member.pause": "manager",
    "gold.manage": "manager",  # gold tasks and their ground truth, the gold table, exam resets
    "stats.view": "manager",  # dashboards of everyone; each user sees their own
    "stats.own": "annotator",
    "quality.aggregate": "manager",  # run aggregation, see its progress
    "agreement.view": "manager",  # the agreement report and page: every annotator against the others
    "agreement.recompute": "manager",  # rewrite every task's stored agreement (a background job)
    "trash.restore": "admin",
    "activity.view": "admin",
    "webhook.manage": "manager",
    "prompt.manage": "manager",  # LLM prompt previews and evaluations on gold tasks
    "ml.manage": "manager",  # model connections, pre-annotation runs, training
    "ml.interactive": "annotator",  # "Predict this task" on a task the user may see
    "user.list": "annotator",
    "user.manage": "admin",
}

_CACHE = "labelwise.project_roles"
_MEMBERS = table(ProjectMember).c
# Asked on every project request of a non-admin: prepared, as the caller and the project are.
_MEMBER_ROLE = Prepared(
    select(_MEMBERS.role).where(_MEMBERS.project_id == bindparam("pid"), _MEMBERS.user_id == bindparam("uid"))
)


class Scope(Protocol):
    """What a decision reads of a project: its id (the membership lookup); a loaded Project is one."""

    @property
    def id(self) -> int: ...


@dataclass(frozen=True)
class ProjectRef:
    """A project known by id only, for a hot path that has no other use for the loaded row."""

    id: int


def member_role(db: Session, user: User, project: Scope) -> str | None:
    """The user's role as a member of the project, looked up once per session."""
    cache: dict[tuple[int, int], str | None] = db.info.setdefault(_CACHE, {})
    key = (user.id, project.id)
    if key not in cache:
        rows = _MEMBER_ROLE.run(db, {"pid": project.id, "uid": user.id})
        cache[key] = rows[0][0] if rows else None
    return cache[key]


def remember_role(db: Session, user_id: int, project_id: int, role: str | None) -> None:
    """A membership role read along with something else (a submit reads it with the task): the decision
    that follows in this session needs no statement of its own."""
    db.info.setdefault(_CACHE, {})[(user_id, project_id)] = role


def forget_roles(db: Session) -> None:
    """Called when membership changes inside a session that already looked roles up."""
    db.info.pop(_CACHE, None)


def project_role(user: User, project: Scope, db: Session | None = None) -> str | None:
    """The user's effective role in the project; None when they may not see it at all."""
    org = user.role if RANK.get(user.role, -1) >= RANK["manager"] else None
    if org is not None and RANK[org] >= RANK["admin"]:
        return org  # nothing in a project outranks an admin, so no lookup is needed
    session = db or (object_session(project) if isinstance(project, Project) else None)
    member = member_role(session, user, project) if session is not None else None
    candidates = [r for r in (org, member) if r in RANK]
    return max(candidates, key=RANK.__getitem__) if candidates else None


def role_for(user: User, project: Scope | None = None, db: Session | None = None) -> str | None:
    return user.role if project is None else project_role(user, project, db)


def allowed(user: User, action: str, project: Scope | None = None, db: Session | None = None) -> bool:
    need = MINIMUM_ROLE.get(action)
    if need is None:
        return False  # an action nobody declared is denied, never silently allowed
    role = role_for(user, project, db)
    return role is not None and RANK.get(role, -1) >= RANK[need]


def require(user: User, action: str, project: Scope | None = None, db: Session | None = None) -> None:
    """Raise unless allowed: NotFound for a project the user may not see, Forbidden otherwise."""
    if allowed(user, action, project, db):
        return
    role = role_for(user, project, db)
    if project is not None and role is None:
        raise NotFound("Project not found.")
    raise Forbidden(f"your role ({role}) may not {action.replace('.', ' ').replace('_', ' ')}")


def sees_all_projects(user: User) -> bool:
    return RANK.get(user.role, -1) >= RANK["manager"]


def is_blind(project: Project) -> bool:
    """Annotators see only their own results; the default whenever a task is labeled by several people."""
    value = (project.settings or {}).get("blind")
    return bool(value) if isinstance(value, bool) else project.maximum_annotations > 1


def sees_others_annotations(user: User, project: Project, db: Session | None = None) -> bool:
    if allowed(user, "annotation.view_others", project, db):
        return True
    return not is_blind(project)


def can_assign_role(actor: User, role: str) -> bool:
    """Nobody grants a role above their own; only an owner makes owners."""
    return RANK.get(actor.role, -1) >= RANK.get(role, 99)
