"""Pre-annotation runs: a model connection over all, filtered or selected tasks of its project, as a
background job of kind `ml.predict`.

Why a job and keyset batches: a run over a large project takes minutes and must survive a restart. The
job walks the chosen tasks by id in batches (`batch_size`), asks the model for each batch, and writes the
batch's predictions, the counters and the checkpoint (`after`: the last task id done) in one
transaction, so a resumed run starts after the last committed batch and never predicts a task twice.
The selection is kept in the job's params as the client sent it (`selectedItems`, `filters`, `view`)
and parsed again by the same code as the data manager's actions. No transaction is open while the model
answers. The connection shows `PR` (predicting) while a run goes, and `ER` with the model's message
when a batch fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from labelwise import jobs, labeling
from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Job, MLBackend, Prediction, Project, Task, User
from labelwise.ml import connections
from labelwise.ml import member as model_member
from labelwise.ml.contract import ModelError, Proposal
from labelwise.services import actions, checks, filters, predictions, projects, views
from labelwise.services.errors import Invalid, NotFound

KIND = "ml.predict"
KINDS = (KIND, "ml.builtin.train")  # a connection's jobs: its runs, and the built-in kind's training
DEFAULT_BATCH = 16
MAX_BATCH = 1000


def _selection_body(body: dict[str, Any]) -> dict[str, Any]:
    """What of a request body selects tasks: `selectedItems`/`filters`/`view`, or `tasks` (ids)."""
    chosen: dict[str, Any] = {}
    if body.get("tasks") is not None:
        ids = body["tasks"]
        if not isinstance(ids, list) or not ids or not all(checks.is_id(i) for i in ids):
            raise Invalid("tasks must be a non-empty list of task ids", {"tasks": ["expected task ids"]})
        chosen["selectedItems"] = {"all": False, "included": ids}
    for key in ("selectedItems", "filters", "view"):
        if body.get(key) is not None:
            chosen[key] = body[key]
    return chosen


def conditions(db: Session, project: Project, chosen: Mapping[str, Any]) -> list[Any]:
    """The SQL conditions of a stored selection; nothing chosen is every task."""
    if not chosen:
        return []
    view_query = None
    if chosen.get("view") is not None:
        saved = views.get(db, checks.as_id(chosen["view"], "view"))
        if saved.project_id != project.id:
            raise Invalid(
                f"view {saved.id} is not a view of project {project.id}", {"view": ["other project"]}
            )
        view_query = filters.view_query(saved.data or {})
    body = dict(chosen)
    body.setdefault("selectedItems", {"all": True})
    return actions.selection(body, view_query)


def prepare(
    db: Session, row: MLBackend, body: dict[str, Any], batch_size: int | None = None
) -> dict[str, Any]:
    """The job's params for a request's selection, checked: a bad selection is a 400 now, not a failed
    job later."""
    project = projects.get(db, row.project_id)
    chosen = _selection_body(body)
    conditions(db, project, chosen)
    size = DEFAULT_BATCH if batch_size is None else batch_size
    if not 1 <= size <= MAX_BATCH:
        raise Invalid(f"batch_size must be between 1 and {MAX_BATCH}", {"batch_size": ["out of range"]})
    return {"connection_id": row.id, "selection": chosen, "batch_size": size}


def start(
    db: Session, row: MLBackend, user: User, body: dict[str, Any], batch_size: int | None = None
) -> Job:
    """Queue a run; `POST /api/ml/{id}/predict`."""
    params = prepare(db, row, body, batch_size)
    as_member = checks.flag(body, "as_annotations")
    if as_member:
        # The model as an annotator (a virtual project member): its answers are annotations by that member,
        # so agreement, aggregation and the dashboard weigh it like a person.
        member = model_member.ensure_member(db, projects.get(db, row.project_id), user, row.id, row.title)
        params["member_id"] = member.id
        db.commit()
    return jobs.submit(db, KIND, params, project_id=row.project_id, user_id=user.id)


def runs_of(db: Session, row: MLBackend, limit: int = 20) -> list[Job]:
    query = (
        select(Job)
        .where(
            Job.project_id == row.project_id,
            Job.kind.in_(KINDS),
            Job.params["connection_id"].as_integer() == row.id,
        )
        .order_by(Job.id.desc())
        .limit(limit)
    )
    return list(db.scalars(query))


def latest_runs(db: Session, project: Project) -> dict[int, Job]:
    """Each connection's newest run in the project, from one query over the project's latest runs."""
    query = (
        select(Job).where(Job.project_id == project.id, Job.kind == KIND).order_by(Job.id.desc()).limit(500)
    )
    latest: dict[int, Job] = {}
    for job in db.scalars(query):
        connection = (job.params or {}).get("connection_id")
        if isinstance(connection, int):
            latest.setdefault(connection, job)
    return latest


def run_of(db: Session, row: MLBackend, job_id: int) -> Job:
    job = jobs.get(db, job_id) if checks.is_id(job_id) else None
    if job is None or job.kind not in KINDS or (job.params or {}).get("connection_id") != row.id:
        raise NotFound(f"run {job_id} of ML backend {row.id} not found")
    return job


def cancel(db: Session, job: Job) -> Job:
    return jobs.cancel(db, job.id)


def first_task(db: Session, row: MLBackend) -> Task:
    task = db.scalar(select(Task).where(Task.project_id == row.project_id).order_by(Task.id).limit(1))
    if task is None:
        raise Invalid("the project has no tasks to predict", {"project": ["no tasks"]})
    return task


def job_out(job: Job) -> dict[str, Any]:
    done, total = jobs.live(job.id) or (job.progress_done, job.progress_total)
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": {"done": done, "total": total},
        "result": job.result or {},
        "error": job.error or None,
        "cancel_requested": job.cancel_requested,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


# The job.
def _valid(
    schema: labeling.Schema, data: Mapping[str, Any], proposal: Proposal
) -> list[dict[str, Any]] | str:
    result = predictions.expand_shorthand(schema, proposal.result)
    try:
        labeling.validate_result(schema, data, result)
    except labeling.InvalidResult as exc:
        return str(exc)
    return list(result)


def _store(
    db: Session,
    project_id: int,
    schema: labeling.Schema,
    batch: Sequence[Task],
    proposals: Sequence[Proposal],
    tally: dict[str, Any],
) -> None:
    """The batch's predictions, one INSERT for all and one counter UPDATE per table (the caller commits)."""
    by_id = {t.id: t for t in batch}
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for p in proposals:
        task = by_id.get(p.task)
        if task is None:
            continue  # a task the model was not asked about
        result = _valid(schema, task.data or {}, p)
        if isinstance(result, str):
            tally["invalid"] += 1
            tally["first_error"] = tally["first_error"] or f"task {task.id}: {result}"[:500]
            continue
        rows.append(
            {"task_id": task.id, "project_id": project_id, "result": result, "score": p.score,
             "model_version": p.model_version[:255], "cluster": None, "mislabeling": 0.0,
             "created_at": now, "updated_at": now}
        )  # fmt: skip
        tally["tokens"] += p.tokens
        tally["cost"] += p.cost
    if not rows:
        return
    db.execute(insert(Prediction), rows)
    task_ids = [r["task_id"] for r in rows]
    db.execute(update(Task).where(Task.id.in_(task_ids)).values(total_predictions=Task.total_predictions + 1))
    db.execute(
        update(Project)
        .where(Project.id == project_id)
        .values(total_predictions_number=Project.total_predictions_number + len(rows))
    )
    tally["predicted"] += len(rows)


def _resumed(ctx: jobs.Context) -> dict[str, Any]:
    tally = {"after": 0, "done": 0, "predicted": 0, "invalid": 0, "first_error": "", "tokens": 0, "cost": 0.0}
    tally.update(ctx.checkpoint or {})
    return tally


def run(ctx: jobs.Context) -> dict[str, Any]:
    connection_id = int(ctx.params["connection_id"])
    size = int(ctx.params.get("batch_size") or DEFAULT_BATCH)
    tally = _resumed(ctx)
    with ctx.sessionmaker() as db:
        row = db.get(MLBackend, connection_id)
        if row is None:
            raise Invalid(f"ML backend {connection_id} no longer exists")
        project = projects.get(db, row.project_id)
        schema = projects.schema(project)
        where = [Task.project_id == project.id, *conditions(db, project, ctx.params.get("selection") or {})]
        total = tally.get("total")
        if total is None:
            total = int(db.scalar(select(func.count()).select_from(Task).where(*where)) or 0)
            tally["total"] = total
        model = connections.model_for(project, row, ctx.settings)
        member = db.get(User, int(ctx.params["member_id"])) if ctx.params.get("member_id") else None
        db.commit()
        connections.set_state(db, connection_id, "PR")
        ctx.progress(tally["done"], total)
        try:
            while True:
                ctx.check_cancelled()
                batch = list(
                    db.scalars(
                        select(Task).where(*where, Task.id > tally["after"]).order_by(Task.id).limit(size)
                    )
                )
                db.commit()
                if not batch:
                    break
                asked = [
                    {"id": t.id, "data": t.data or {}, "meta": t.meta or {}, "project": project.id}
                    for t in batch
                ]
                if member is not None:
                    outcome = model_member.annotate_as_member(db, project, model, asked, member)
                    tally["annotated"] = tally.get("annotated", 0) + len(outcome.annotated)
                    tally["invalid"] += len(outcome.failed)
                    if outcome.failed and not tally["first_error"]:
                        tid, why = next(iter(outcome.failed.items()))
                        tally["first_error"] = f"task {tid}: {why}"[:500]
                    begin_write(db)
                else:
                    proposals = model.predict(asked)
                    ctx.check_cancelled()  # a cancel while the model answered: nothing of this batch is kept
                    begin_write(db)
                    _store(db, project.id, schema, batch, proposals, tally)
                tally["after"] = batch[-1].id
                tally["done"] += len(batch)
                ctx.save_checkpoint(tally, db)
                db.commit()
                ctx.progress(tally["done"], total)
        except ModelError as exc:
            db.rollback()
            connections.set_state(db, connection_id, "ER", str(exc))
            raise Invalid(str(exc)) from None
        except BaseException:
            db.rollback()
            connections.set_state(db, connection_id, "CO")
            raise
        connections.set_state(db, connection_id, "CO")
    out = {k: tally[k] for k in ("total", "done", "predicted", "invalid", "first_error", "tokens", "cost")}
    if member is not None:
        out["annotated"] = tally.get("annotated", 0)
    return out


jobs.register(KIND, run)


# One task, at once: the editor's "Predict this task" and Label Studio's interactive annotating.
def predict_one(
    db: Session, row: MLBackend, task: Task, settings: Any, context: Any = None
) -> dict[str, Any]:
    """Label Studio's `/api/ml/{id}/interactive-annotating` answer: `{"data": {result, score,
    model_version}}`, or `{"errors": [...]}`; nothing is stored (the annotator decides)."""
    project = projects.get(db, row.project_id)
    schema = projects.schema(project)
    asked = [{"id": task.id, "data": task.data or {}, "meta": task.meta or {}, "project": project.id}]
    db.commit()  # no lock held while the model answers
    try:
        model = connections.model_for(project, row, settings)
        if context is not None and _takes_context(model):
            proposals = model.predict(asked, None, context)  # type: ignore[call-arg]
        else:
            proposals = model.predict(asked)
    except ModelError as exc:
        return {"errors": [str(exc)]}
    if not proposals:
        return {"errors": ["the model has no prediction for this task"]}
    result = _valid(schema, task.data or {}, proposals[0])
    if isinstance(result, str):
        return {"errors": [f"the model's prediction does not fit the labeling config: {result}"]}
    return {
        "data": {"result": result, "score": proposals[0].score, "model_version": proposals[0].model_version}
    }


def _takes_context(model: Any) -> bool:
    import inspect

    try:
        return "context" in inspect.signature(model.predict).parameters
    except (TypeError, ValueError):
        return False
