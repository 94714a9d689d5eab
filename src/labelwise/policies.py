"""Who may do what, in one place, for the API and the pages alike.

Step 1 enforces organization roles; per-project membership rules build on `allowed` later.
"""

from __future__ import annotations

from labelwise.db.models import Project, User
from labelwise.services.errors import Forbidden

RANK = {"annotator": 0, "reviewer": 1, "manager": 2, "admin": 3, "owner": 4}

# The lowest organization role allowed to perform each action.
MINIMUM_ROLE = {
    "project.view": "annotator",
    "project.create": "manager",
    "project.change": "manager",
    "project.delete": "manager",
    "project.import": "manager",
    "project.export": "manager",
    "task.view": "annotator",
    "task.change": "manager",
    "task.delete": "manager",
    "annotate": "annotator",
    "annotation.change_any": "manager",
    "prediction.change": "manager",
    "user.list": "annotator",
    "user.manage": "admin",
}


def allowed(user: User, action: str, project: Project | None = None) -> bool:
    need = MINIMUM_ROLE.get(action)
    if need is None:
        return False  # an action nobody declared is denied, never silently allowed
    return RANK.get(user.role, -1) >= RANK[need]


def require(user: User, action: str, project: Project | None = None) -> None:
    if not allowed(user, action, project):
        raise Forbidden(f"your role ({user.role}) may not {action.replace('.', ' ').replace('_', ' ')}")


def can_assign_role(actor: User, role: str) -> bool:
    """Nobody grants a role above their own; only an owner makes owners."""
    return RANK.get(actor.role, -1) >= RANK.get(role, 99)
