"""The review workflow: accept, reject with a comment, fix; the review queue; `require_review`; who may."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from labelwise.db.models import (
    Activity,
    Annotation,
    AnnotationHistory,
    AnnotationReview,
    Task,
    TaskAssignment,
)
from labelwise.services import projects, reviews
from tests.api.test_projects import TEXT_CONFIG
from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member

SPAN_CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels></View>'
)


@dataclass
class Team:
    """A project with tasks, two annotators and a reviewer (each with a token header)."""

    pid: int
    tasks: list[int]
    ann1: dict[str, str]
    ann2: dict[str, str]
    rev: dict[str, str]
    ann1_id: int
    rev_id: int


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def _team(client: TestClient, db: Session, n: int = 2, **project: Any) -> Team:
    pid = make_project(client, TEXT_CONFIG, **project)
    r = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": f"t{i}"} for i in range(n)]
    )
    ids = list(r.json()["task_ids"])
    a1 = member(db, pid, "ann1@example.com", "annotator", token="ann1-token-0123456789")
    member(db, pid, "ann2@example.com", "annotator", token="ann2-token-0123456789")
    rv = member(db, pid, "rev@example.com", "reviewer", token="rev-token-0123456789")
    return Team(
        pid,
        ids,
        _auth("ann1-token-0123456789"),
        _auth("ann2-token-0123456789"),
        _auth("rev-token-0123456789"),
        a1.id,
        rv.id,
    )


def _annotate(client: TestClient, task_id: int, headers: dict[str, str], value: str = "pos") -> int:
    r = client.post(f"/api/tasks/{task_id}/annotations", json={"result": [choice(value)]}, headers=headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _task(db: Session, task_id: int) -> Task:
    db.rollback()  # a new snapshot: the API wrote in other sessions
    task = db.get(Task, task_id)
    assert task is not None
    return task


def _state(client: TestClient, ann_id: int) -> str | None:
    return client.get(f"/api/annotations/{ann_id}").json()["review_state"]  # type: ignore[no-any-return]


def test_accept_sets_state_counters_and_activity(client: TestClient, db: Session) -> None:
    t = _team(client, db)
    ann = _annotate(client, t.tasks[0], t.ann1)
    r = client.post("/api/annotation-reviews", json={"annotation": ann, "accepted": True}, headers=t.rev)
    assert r.status_code == 201, r.text
    review = r.json()
    assert review["annotation"] == ann and review["accepted"] is True and review["created_by"] == t.rev_id
    assert review["state"] == "accepted" and review["result"] is None
    assert _state(client, ann) == "accepted"
    task = _task(db, t.tasks[0])
    assert (task.reviews_accepted, task.reviews_rejected) == (1, 0)
    assert client.get(f"/api/annotations/{ann}").json()["last_action"] == "accepted"
    actions = db.scalars(select(Activity.action).where(Activity.object_type == "annotation_review")).all()
    assert actions == ["review.accepted"]
    assert client.get(f"/api/annotation-reviews/{review['id']}", headers=t.rev).json() == review


def test_reject_returns_the_annotation_to_its_author_with_the_comment(
    client: TestClient, db: Session
) -> None:
    t = _team(client, db)
    tid = t.tasks[0]
    ann = _annotate(client, tid, t.ann1)
    body = {"annotation": ann, "accepted": False, "comment": "<b>wrong</b> sentiment"}
    r = client.post("/api/annotation-reviews", json=body, headers=t.rev)
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "rejected" and r.json()["comment"] == "<b>wrong</b> sentiment"
    assert _state(client, ann) == "rejected"
    assert _task(db, tid).reviews_rejected == 1
    # The author's labeling screen gets the verdict, the comment and the reviewer.
    mine = client.get(f"/api/tasks/{tid}/editor", headers=t.ann1).json()
    assert mine["my_annotation"] == ann
    assert mine["my_review"]["state"] == "rejected"
    assert mine["my_review"]["comment"] == "<b>wrong</b> sentiment"
    assert mine["my_review"]["reviewer"]["email"] == "rev@example.com"
    # Nothing waits for review while it is with its author ...
    assert client.get(f"/api/projects/{t.pid}/next-review", headers=t.rev).status_code == 404
    # ... and once the author changes it, it is pending again and back in the review queue.
    r = client.patch(f"/api/annotations/{ann}", json={"result": [choice("neg")]}, headers=t.ann1)
    assert r.status_code == 200 and r.json()["review_state"] is None
    assert _task(db, tid).reviews_rejected == 0
    nxt = client.get(f"/api/projects/{t.pid}/next-review", headers=t.rev)
    assert nxt.status_code == 200 and nxt.json()["task"]["id"] == tid and nxt.json()["pending"] == [ann]
    assert client.get(f"/api/tasks/{tid}/editor", headers=t.ann1).json()["my_review"]["state"] is None


def test_a_fix_keeps_both_versions_in_the_history(client: TestClient, db: Session) -> None:
    t = _team(client, db)
    ann = _annotate(client, t.tasks[0], t.ann1, "pos")
    body = {"annotation": ann, "accepted": True, "result": [choice("neg")], "comment": "it is negative"}
    r = client.post("/api/annotation-reviews", json=body, headers=t.rev)
    assert r.status_code == 201, r.text
    review = r.json()
    assert review["state"] == "fixed" and review["result"] == [choice("neg")]
    assert client.get(f"/api/annotations/{ann}").json()["result"] == [choice("neg")]
    assert _state(client, ann) == "fixed"
    assert client.get(f"/api/annotations/{ann}").json()["last_action"] == "fixed_and_accepted"
    db.rollback()  # a new snapshot: the API wrote in other sessions
    before = db.get(AnnotationHistory, review["previous_annotation_history"])
    after = db.get(AnnotationHistory, review["fixed_annotation_history"])
    assert before is not None and after is not None
    assert before.result == [choice("pos")] and before.user_id == t.ann1_id
    assert (
        after.result == [choice("neg")] and after.user_id == t.rev_id and after.action == "fixed_and_accepted"
    )
    assert _task(db, t.tasks[0]).reviews_accepted == 1


def test_an_invalid_fix_is_refused_and_nothing_is_written(client: TestClient, db: Session) -> None:
    t = _team(client, db)
    ann = _annotate(client, t.tasks[0], t.ann1, "pos")
    bad = {"annotation": ann, "accepted": True, "result": [choice("maybe")]}
    r = client.post("/api/annotation-reviews", json=bad, headers=t.rev)
    assert r.status_code == 400, r.text
    assert "result" in r.json()["validation_errors"]
    assert client.get(f"/api/annotations/{ann}").json()["result"] == [choice("pos")]
    assert _state(client, ann) is None
    assert db.scalars(select(AnnotationReview)).all() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"accepted": True}, "annotation"),
        ({"annotation": "1", "accepted": True}, "annotation"),
        ({"annotation": 999999, "accepted": True}, "annotation"),
        ({"annotation": "ANN", "accepted": "yes"}, "accepted"),
        ({"annotation": "ANN", "accepted": False, "comment": 5}, "comment"),
        ({"annotation": "ANN", "accepted": False, "comment": "x" * 5001}, "comment"),
        ({"annotation": "ANN", "accepted": False, "result": [choice("neg")]}, "result"),
        ({"annotation": "ANN", "accepted": True, "result": "neg"}, "result"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    client: TestClient, db: Session, body: dict[str, Any], field: str
) -> None:
    t = _team(client, db, 1)
    ann = _annotate(client, t.tasks[0], t.ann1)
    sent = {k: (ann if v == "ANN" else v) for k, v in body.items()}
    r = client.post("/api/annotation-reviews", json=sent, headers=t.rev)
    assert r.status_code == 400, r.text
    assert field in r.json()["validation_errors"]
    assert db.scalars(select(AnnotationReview)).all() == []
    assert _state(client, ann) is None


def test_annotators_may_not_review_and_reviewers_not_their_own(client: TestClient, db: Session) -> None:
    t = _team(client, db)
    ann = _annotate(client, t.tasks[0], t.ann1)
    r = client.post("/api/annotation-reviews", json={"annotation": ann, "accepted": True}, headers=t.ann2)
    assert r.status_code == 403
    assert client.get(f"/api/projects/{t.pid}/next-review", headers=t.ann2).status_code == 403
    assert client.get(f"/api/annotation-reviews?project={t.pid}", headers=t.ann2).status_code == 403
    own = client.post(f"/api/tasks/{t.tasks[1]}/annotations", json={"result": [choice("pos")]}, headers=t.rev)
    r = client.post(
        "/api/annotation-reviews", json={"annotation": own.json()["id"], "accepted": True}, headers=t.rev
    )
    assert r.status_code == 403 and "own annotation" in r.json()["detail"]
    assert _state(client, ann) is None


def test_reviewers_of_other_projects_see_nothing(client: TestClient, db: Session) -> None:
    t = _team(client, db)
    ann = _annotate(client, t.tasks[0], t.ann1)
    review = client.post(
        "/api/annotation-reviews", json={"annotation": ann, "accepted": True}, headers=t.rev
    ).json()
    other = make_project(client)
    member(db, other, "stranger@example.com", "reviewer", token="stranger-token-0123456789")
    s = _auth("stranger-token-0123456789")
    assert (
        client.post(
            "/api/annotation-reviews", json={"annotation": ann, "accepted": False}, headers=s
        ).status_code
        == 404
    )
    assert client.get(f"/api/projects/{t.pid}/next-review", headers=s).status_code == 404
    assert client.get(f"/api/annotation-reviews?annotation={ann}", headers=s).status_code == 404
    assert client.get(f"/api/annotation-reviews?project={t.pid}", headers=s).status_code == 404
    assert client.get(f"/api/annotation-reviews/{review['id']}", headers=s).status_code == 404
    assert (
        client.patch(
            f"/api/annotation-reviews/{review['id']}", json={"accepted": False}, headers=s
        ).status_code
        == 404
    )
    assert client.delete(f"/api/annotation-reviews/{review['id']}", headers=s).status_code == 404
    assert _state(client, ann) == "accepted"


def test_only_the_reviewer_or_a_manager_changes_a_verdict(client: TestClient, db: Session) -> None:
    t = _team(client, db)
    ann = _annotate(client, t.tasks[0], t.ann1)
    review = client.post(
        "/api/annotation-reviews", json={"annotation": ann, "accepted": True}, headers=t.rev
    ).json()
    member(db, t.pid, "rev2@example.com", "reviewer", token="rev2-token-0123456789")
    other = _auth("rev2-token-0123456789")
    r = client.patch(f"/api/annotation-reviews/{review['id']}", json={"accepted": False}, headers=other)
    assert r.status_code == 403
    assert client.delete(f"/api/annotation-reviews/{review['id']}", headers=other).status_code == 403
    assert (
        client.patch(
            f"/api/annotation-reviews/{review['id']}", json={"accepted": False}, headers=t.ann1
        ).status_code
        == 403
    )
    # The owner (a manager and above) may.
    r = client.patch(f"/api/annotation-reviews/{review['id']}", json={"accepted": False, "comment": "no"})
    assert r.status_code == 200 and r.json()["state"] == "rejected" and r.json()["comment"] == "no"
    assert _state(client, ann) == "rejected"


def test_patch_and_delete_move_state_and_counters(client: TestClient, db: Session) -> None:
    t = _team(client, db)
    tid = t.tasks[0]
    ann = _annotate(client, tid, t.ann1)
    rid = client.post(
        "/api/annotation-reviews", json={"annotation": ann, "accepted": False}, headers=t.rev
    ).json()["id"]
    assert (_task(db, tid).reviews_accepted, _task(db, tid).reviews_rejected) == (0, 1)
    r = client.patch(f"/api/annotation-reviews/{rid}", json={"accepted": True}, headers=t.rev)
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert (_task(db, tid).reviews_accepted, _task(db, tid).reviews_rejected) == (1, 0)
    assert (
        client.patch(f"/api/annotation-reviews/{rid}", json={"comment": 3}, headers=t.rev).status_code == 400
    )
    assert client.delete(f"/api/annotation-reviews/{rid}", headers=t.rev).status_code == 204
    assert client.get(f"/api/annotation-reviews/{rid}", headers=t.rev).status_code == 404
    assert _state(client, ann) is None
    assert (_task(db, tid).reviews_accepted, _task(db, tid).reviews_rejected) == (0, 0)
    actions = db.scalars(
        select(Activity.action).where(Activity.object_type == "annotation_review").order_by(Activity.id)
    ).all()
    assert actions == ["review.rejected", "review.accepted", "review.deleted"]


def test_listing_by_annotation_task_and_project(client: TestClient, db: Session) -> None:
    t = _team(client, db)
    a = _annotate(client, t.tasks[0], t.ann1)
    b = _annotate(client, t.tasks[1], t.ann1)
    ra = client.post(
        "/api/annotation-reviews",
        json={"annotation": a, "accepted": False, "comment": "again"},
        headers=t.rev,
    ).json()
    rb = client.post(
        "/api/annotation-reviews", json={"annotation": b, "accepted": True}, headers=t.rev
    ).json()
    ids = lambda url, h=t.rev: [r["id"] for r in client.get(url, headers=h).json()]  # noqa: E731
    assert ids(f"/api/annotation-reviews?annotation={a}") == [ra["id"]]
    assert ids(f"/api/annotation-reviews?task={t.tasks[1]}") == [rb["id"]]
    assert ids(f"/api/annotation-reviews?project={t.pid}") == [ra["id"], rb["id"]]
    assert ids(f"/api/annotation-reviews?annotation__task__project={t.pid}&ordering=-id") == [
        rb["id"],
        ra["id"],
    ]
    # The author reads the reviews of their own annotation; not of someone else's.
    assert ids(f"/api/annotation-reviews?annotation={a}", t.ann1) == [ra["id"]]
    assert client.get(f"/api/annotation-reviews?annotation={a}", headers=t.ann2).status_code == 403
    assert client.get("/api/annotation-reviews", headers=t.rev).status_code == 400
    assert client.get("/api/annotation-reviews?annotation=abc", headers=t.rev).status_code == 400
    assert (
        client.get(f"/api/annotation-reviews?project={t.pid}&ordering=comment", headers=t.rev).status_code
        == 400
    )


def test_the_review_queue(client: TestClient, db: Session) -> None:
    t = _team(client, db, 4)
    first, second, third, fourth = t.tasks
    _annotate(client, first, t.ann1, "pos")
    _annotate(client, first, t.ann2, "neg")
    skipped = client.post(
        f"/api/tasks/{second}/annotations", json={"result": [], "was_cancelled": True}, headers=t.ann1
    )
    assert skipped.status_code == 201
    client.post(
        f"/api/tasks/{third}/annotations", json={"result": [choice("pos")]}, headers=t.rev
    )  # own work
    late = _annotate(client, fourth, t.ann1, "pos")
    # Assigned for review first.
    db.add(TaskAssignment(project_id=t.pid, task_id=fourth, user_id=t.rev_id, type="RE"))
    db.commit()
    nxt = client.get(f"/api/projects/{t.pid}/next-review", headers=t.rev).json()
    assert nxt["task"]["id"] == fourth and nxt["pending"] == [late] and nxt["agreement"] is None
    assert nxt["schema"] and nxt["task"]["data"] == {"text": "t3"}
    assert (
        client.post(
            "/api/annotation-reviews", json={"annotation": late, "accepted": True}, headers=t.rev
        ).status_code
        == 201
    )
    nxt = client.get(f"/api/projects/{t.pid}/next-review", headers=t.rev).json()
    # Then in task order; the skip and the reviewer's own annotation never come.
    assert nxt["task"]["id"] == first and len(nxt["pending"]) == 2 and nxt["agreement"] == 0.0
    assert set(nxt["annotators"].values()) == {"ann1@example.com", "ann2@example.com"}
    assert client.get(f"/api/projects/{t.pid}/next-review?exclude={first}", headers=t.rev).status_code == 404
    assert client.get(f"/api/projects/{t.pid}/next-review?exclude=x", headers=t.rev).status_code == 400
    for ann_id in nxt["pending"]:
        client.post("/api/annotation-reviews", json={"annotation": ann_id, "accepted": True}, headers=t.rev)
    assert client.get(f"/api/projects/{t.pid}/next-review", headers=t.rev).status_code == 404


def test_require_review_decides_when_a_task_is_done(client: TestClient, db: Session) -> None:
    t = _team(client, db, 2, require_review=True)
    assert client.get(f"/api/projects/{t.pid}").json()["require_review"] is True
    a = _annotate(client, t.tasks[0], t.ann1)
    _annotate(client, t.tasks[1], t.ann1)
    assert _task(db, t.tasks[0]).is_labeled is False
    rid = client.post(
        "/api/annotation-reviews", json={"annotation": a, "accepted": True}, headers=t.rev
    ).json()["id"]
    assert _task(db, t.tasks[0]).is_labeled is True
    client.patch(f"/api/annotation-reviews/{rid}", json={"accepted": False}, headers=t.rev)
    assert _task(db, t.tasks[0]).is_labeled is False
    # Turning the rule off relabels the project by the overlap rule; a wrong type is refused.
    assert client.patch(f"/api/projects/{t.pid}", json={"require_review": "no"}).status_code == 400
    r = client.patch(f"/api/projects/{t.pid}", json={"require_review": False})
    assert r.status_code == 200 and r.json()["require_review"] is False
    assert _task(db, t.tasks[0]).is_labeled is True and _task(db, t.tasks[1]).is_labeled is True
    client.patch(f"/api/projects/{t.pid}", json={"require_review": True})
    assert _task(db, t.tasks[1]).is_labeled is False


def test_deleting_a_reviewed_annotation_drops_its_count(client: TestClient, db: Session) -> None:
    t = _team(client, db, 1)
    a = _annotate(client, t.tasks[0], t.ann1)
    client.post("/api/annotation-reviews", json={"annotation": a, "accepted": True}, headers=t.rev)
    assert client.delete(f"/api/annotations/{a}").status_code == 204
    assert _task(db, t.tasks[0]).reviews_accepted == 0
    assert db.scalars(select(Annotation)).all() == []


def test_agreement_is_the_share_of_agreeing_pairs_per_control(client: TestClient, db: Session) -> None:
    schema = projects.schema_of(TEXT_CONFIG)
    pos, neg = {"result": [choice("pos")]}, {"result": [choice("neg")]}
    assert reviews.agreement(schema, [pos]) is None
    assert reviews.agreement(schema, [pos, pos]) == 1.0
    assert reviews.agreement(schema, [pos, pos, neg]) == pytest.approx(1 / 3, abs=1e-4)
    assert reviews.agreement(schema, [pos, {"result": [], "was_cancelled": True}]) is None
    spans = projects.schema_of(SPAN_CONFIG)

    def span(start: int, region: str) -> dict[str, Any]:
        value = {"start": start, "end": start + 3, "text": "Ann", "labels": ["PER"]}
        return {"id": region, "from_name": "label", "to_name": "text", "type": "labels", "value": value}

    same = [{"result": [span(0, "a")]}, {"result": [span(0, "b")]}]
    assert reviews.agreement(spans, same) == 1.0  # region ids do not matter
    assert reviews.agreement(spans, [*same, {"result": [span(4, "c")]}]) == pytest.approx(1 / 3, abs=1e-4)


def test_the_review_queue_reads_the_partial_index(client: TestClient, db: Session, backend: str) -> None:
    """The oldest-waiting query is answered from `ix_annotations_review_queue` (a plan, not a timing)."""
    t = _team(client, db, 1)
    _annotate(client, t.tasks[0], t.ann1)
    query = reviews.oldest_waiting(t.pid, t.rev_id)
    compiled = query.compile(dialect=db.get_bind().dialect, compile_kwargs={"literal_binds": True})
    if backend == "sqlite":
        plan = " ".join(str(r[-1]) for r in db.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    else:
        db.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(str(r[0]) for r in db.execute(text(f"EXPLAIN {compiled}")))
    db.rollback()
    assert "ix_annotations_review_queue" in plan, plan


def test_imported_annotations_leave_tasks_open_when_review_is_required(
    client: TestClient, db: Session
) -> None:
    pid = make_project(client, TEXT_CONFIG, require_review=True)
    items = [{"data": {"text": "a"}, "annotations": [{"result": [choice("pos")]}]}]
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=items)
    assert r.status_code == 201, r.text
    (tid,) = r.json()["task_ids"]
    assert _task(db, tid).is_labeled is False
    client.patch(f"/api/projects/{pid}", json={"require_review": False})
    assert _task(db, tid).is_labeled is True


def test_the_review_page_is_for_reviewers_of_the_project(client: TestClient, db: Session) -> None:
    t = _team(client, db, 1)
    other = make_project(client)
    member(db, other, "outsider@example.com", "reviewer")
    expected = {"rev@example.com": 200, "ann1@example.com": 403, "outsider@example.com": 404}
    for email, status in expected.items():
        with TestClient(client.app) as browser:
            r = browser.post("/api/auth/login", json={"email": email, "password": "password-123"})
            assert r.status_code == 200, r.text
            page = browser.get(f"/projects/{t.pid}/review", follow_redirects=False)
            assert page.status_code == status, (email, page.status_code)
            if status == 200:
                assert 'id="review-data"' in page.text and "pages/review" in page.text
