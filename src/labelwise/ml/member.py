"""A model connection (remote, built-in or LLM) as a virtual project member: its answers are annotations.

Why a user row and not a new kind of annotator: stats, agreement, aggregation, exports and the review queue
all read `annotations.completed_by`; a model that annotates as a member is scored by the quality engine like
a person, and aggregation can weigh it by its measured skill, with no special case anywhere.

The member is `llm-<connection id>@models.labelwise` whatever the kind (the name predates the other kinds and
stays: existing members keep their rows), an annotator with no password (no one can sign in as it;
`users.verify_password` refuses an empty hash) and a random legacy token that is never shown. Its annotations
go through `annotations.create`, so they are validated, counted, kept in history and audited like any other.
A task it has already annotated is skipped, so a re-run adds nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Annotation, Project, User
from labelwise.ml.contract import Model, Progress
from labelwise.services import annotations as annotation_service
from labelwise.services import members, users
from labelwise.services.errors import Invalid

MODEL_DOMAIN = "@models.labelwise"


def member_email(connection_id: int) -> str:
    return f"llm-{connection_id}{MODEL_DOMAIN}"


def is_model(user: User) -> bool:
    return user.email.endswith(MODEL_DOMAIN)


def ensure_member(db: Session, project: Project, actor: User, connection_id: int, title: str = "") -> User:
    """The connection's virtual user, made on first use and added to the project as an annotator."""
    email = member_email(connection_id)
    user = users.by_email(db, email)
    if user is None:
        name = (title or f"LLM {connection_id}")[:150]
        user = users.create(
            db, email, None, "annotator", username=f"llm-{connection_id}", first_name=name, actor=actor
        )
    if not user.is_active:
        raise Invalid(f"the model member {email} is deactivated", {"connection": ["member deactivated"]})
    members.add(db, project, actor, user.id, "annotator")
    return user


@dataclass
class Outcome:
    annotated: list[int] = field(default_factory=list)  # annotation ids
    skipped: list[int] = field(default_factory=list)  # task ids it had annotated already
    failed: dict[int, str] = field(default_factory=dict)  # task id -> why no annotation


def annotate_as_member(
    db: Session,
    project: Project,
    model: Model,
    tasks: Sequence[Mapping[str, Any]],
    member: User,
    progress: Progress | None = None,
) -> Outcome:
    """Ask `model` about `tasks` ({"id", "data"}) and write each answer as an annotation by `member`."""
    outcome = Outcome()
    ids = [int(t["id"]) for t in tasks]
    done = set(
        db.scalars(
            select(Annotation.task_id).where(
                Annotation.completed_by_id == member.id, Annotation.task_id.in_(ids)
            )
        )
    )
    db.rollback()  # no read transaction held open while the model answers
    outcome.skipped = [i for i in ids if i in done]
    todo = [t for t in tasks if int(t["id"]) not in done]
    proposals = model.predict(todo, progress) if todo else []
    answered = {p.task for p in proposals}
    report = getattr(model, "report", None)
    reasons: Mapping[int, str] = getattr(report, "failures", {}) or {}
    for task in todo:
        if int(task["id"]) not in answered:
            outcome.failed[int(task["id"])] = reasons.get(int(task["id"]), "the model gave no answer")
    for proposal in proposals:
        if not proposal.result:
            outcome.failed[proposal.task] = "the answer held nothing for this config"
            continue
        target = annotation_service.target(db, proposal.task)
        if target.project_id != project.id:
            raise Invalid(
                f"task {proposal.task} is not in project {project.id}", {"tasks": ["other project"]}
            )
        try:
            ann = annotation_service.create(db, target, member, {"result": proposal.result})
        except Invalid as exc:
            db.rollback()
            outcome.failed[proposal.task] = exc.detail
            continue
        outcome.annotated.append(int(ann["id"]))
    return outcome
