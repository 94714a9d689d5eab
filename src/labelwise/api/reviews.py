"""Reviews at Label Studio Enterprise's `/api/annotation-reviews`, and the review queue
`/api/projects/{id}/next-review`."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlalchemy.orm import Session

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.db.models import AnnotationReview, User
from labelwise.services import annotations as annotation_service
from labelwise.services import projects, queue, reviews, tasks
from labelwise.services.errors import Invalid

router = Router(tags=["reviews"])


def _id_param(request: Request, *names: str) -> int | None:
    """An id in the query string under any of `names` (Label Studio's SDK sends `annotation__task__project`)."""
    for name in names:
        raw = request.query_params.get(name)
        if raw is None:
            continue
        if not raw.isdigit() or len(raw) > 10 or int(raw) == 0:
            raise Invalid(f"{name} must be an id", {name: ["a positive integer is required"]})
        return int(raw)
    return None


def _may_change(db: Session, user: User, review: AnnotationReview) -> None:
    """The reviewer who wrote a verdict changes it; managers change anyone's."""
    project = projects.get(db, review.project_id)
    action = "review" if review.created_by_id == user.id else "annotation.change_any"
    policies.require(user, action, project, db)


@router.get("/api/annotation-reviews")
def list_reviews(request: Request, user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    """Reviews of one annotation (`?annotation=`), task (`?task=`) or project (`?project=` or
    `?annotation__task__project=`); `?ordering=id|-id|created_at|-created_at`. An annotation's author may
    read the reviews of it; everything else needs the review role in the project."""
    annotation_id = _id_param(request, "annotation")
    task_id = _id_param(request, "task")
    project_id = _id_param(request, "project", "annotation__task__project")
    if annotation_id is not None:
        ann = annotation_service.get(db, annotation_id)
        if ann.completed_by_id != user.id:
            policies.require(user, "review", projects.get(db, ann.project_id), db)
    elif task_id is not None:
        policies.require(user, "review", projects.get(db, tasks.get(db, task_id).project_id), db)
    elif project_id is not None:
        policies.require(user, "review", projects.get(db, project_id), db)
    else:
        raise Invalid("name an annotation, task or project", {"annotation": ["required"]})
    ordering = request.query_params.get("ordering") or "id"
    found = reviews.listing(
        db, annotation_id=annotation_id, task_id=task_id, project_id=project_id, ordering=ordering
    )
    return [reviews.as_json(r) for r in found]


@router.post("/api/annotation-reviews", status_code=201)
def create_review(body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """`{"annotation": id, "accepted": bool, "comment"?: str, "result"?: [...]}` (a result is a fix)."""
    data = json_object(body)
    ann = reviews.annotation_of(db, data)
    policies.require(user, "review", projects.get(db, ann.project_id), db)
    return reviews.as_json(reviews.create(db, ann, user, data))


@router.get("/api/annotation-reviews/{review_id}")
def get_review(review_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    review = reviews.get(db, review_id)
    policies.require(user, "review", projects.get(db, review.project_id), db)
    return reviews.as_json(review)


@router.patch("/api/annotation-reviews/{review_id}")
def update_review(review_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    review = reviews.get(db, review_id)
    _may_change(db, user, review)
    return reviews.as_json(reviews.update(db, review, user, json_object(body)))


@router.delete("/api/annotation-reviews/{review_id}", status_code=204)
def delete_review(review_id: int, user: CurrentUser, db: SessionDep) -> Response:
    review = reviews.get(db, review_id)
    _may_change(db, user, review)
    reviews.delete_one(db, review, user)
    return Response(status_code=204)


@router.get("/api/projects/{project_id}/next-review")
def next_review(project_id: int, request: Request, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """The next task with annotations waiting for the caller's review; `?exclude=3,4` passes over tasks
    (the review page's "skip"). 404 when nothing waits."""
    project = projects.get(db, project_id)
    policies.require(user, "review", project, db)
    exclude = queue.exclusion(request.query_params.get("exclude"))
    return reviews.next_for_review(db, project, user, exclude)
