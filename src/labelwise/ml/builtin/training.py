"""Training the built-in classifier as a background job (`ml.builtin.train`), then refreshing its
predictions so the uncertainty queue follows the newest version.

Steps, each committed with the job's checkpoint so a resumed job goes on where it stopped:
1. read the examples (`ml/builtin/examples.py`), commit, and train with no transaction open (state TR);
   the new version becomes the connection's `model_version` unless the version is pinned
   (`auto_update` off); a ModelError (too few examples, one class, no text Choices) puts the connection
   in ER with the reason and fails the job with it;
2. when the connection predicts with the new version, walk the unlabeled tasks by id in batches and put
   the new predictions in place of the older versions' (`predictions.replace_for_model`); labeled tasks
   keep theirs, which is what comparing versions on ground truth and consensus reads.

`params.at` is the project's annotation count when the job was asked for: `ml/builtin/retrain.py`
counts new annotations from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise import jobs, labeling
from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import Job, MLBackend, Project, Task
from labelwise.ml import connections
from labelwise.ml.builtin import examples, target
from labelwise.ml.builtin.store import Store
from labelwise.ml.contract import ModelError, Proposal
from labelwise.services import activity, predictions, projects
from labelwise.services.errors import Invalid
from labelwise.settings import Settings

KIND = "ml.builtin.train"
BATCH = 256


def store_for(settings: Settings, connection_id: int) -> Store:
    """Where a connection's versions live (the same directory `connections.model_for` hands the kind)."""
    return Store(Path(settings.data_dir) / "models" / str(connection_id))


def submit(db: Session, row: MLBackend, user_id: int | None, use_ground_truth: bool = True) -> Job:
    project = projects.get(db, row.project_id)
    params = {
        "connection_id": row.id,
        "at": int(project.total_annotations_number),
        "use_ground_truth": use_ground_truth,
    }
    return jobs.submit(db, KIND, params, project_id=row.project_id, user_id=user_id)


def latest(db: Session, row: MLBackend) -> Job | None:
    query = (
        select(Job)
        .where(
            Job.project_id == row.project_id,
            Job.kind == KIND,
            Job.params["connection_id"].as_integer() == row.id,
        )
        .order_by(Job.id.desc())
        .limit(1)
    )
    return db.scalar(query)


def _train(ctx: jobs.Context, db: Session, row: MLBackend, project: Project) -> dict[str, Any]:
    found = target.find(project.label_config)
    shown = examples.collect(db, project, found, bool(ctx.params.get("use_ground_truth", True)))
    model = connections.model_for(project, row, ctx.settings)
    db.commit()  # no lock held while the model trains
    connections.set_state(db, row.id, "TR")
    version = model.train(shown)
    if not version:
        raise ModelError("training gave no model version")
    begin_write(db)
    fresh = db.get(MLBackend, row.id)
    if fresh is None:
        raise Invalid(f"ML backend {row.id} no longer exists")
    fresh.state, fresh.error_message = "CO", ""
    if fresh.auto_update or not fresh.model_version:
        fresh.model_version = version
    fresh.updated_at = utcnow()
    figures = (store_for(ctx.settings, row.id).meta(version) or {}).get("figures") or {}
    activity.record(
        db,
        None,
        "ml.trained",
        "ml_backend",
        row.id,
        {"version": version, "examples": figures.get("examples"), "accuracy": figures.get("accuracy")},
        row.project_id,
    )
    state = {"version": version, "after": 0, "predicted": 0, "replaced": 0, "figures": figures}
    ctx.save_checkpoint(state, db)
    db.commit()
    return state


def _rows(
    schema: labeling.Schema, batch: list[Task], proposals: list[Proposal], project_id: int
) -> list[dict[str, Any]]:
    by_id = {t.id: t for t in batch}
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for p in proposals:
        task = by_id.get(p.task)
        if task is None:
            continue
        try:
            labeling.validate_result(schema, task.data or {}, p.result)
        except labeling.InvalidResult:
            continue  # a label the config no longer has
        rows.append(
            {"task_id": task.id, "project_id": project_id, "result": p.result, "score": p.score,
             "model_version": p.model_version, "cluster": None, "mislabeling": 0.0,
             "created_at": now, "updated_at": now}
        )  # fmt: skip
    return rows


def _refresh(ctx: jobs.Context, db: Session, row_id: int, state: dict[str, Any]) -> None:
    row = db.get(MLBackend, row_id)
    if row is None:
        return
    if row.model_version != state["version"]:
        return  # pinned to another version: its predictions stay
    project = projects.get(db, row.project_id)
    schema = projects.schema(project)
    model = connections.model_for(project, row, ctx.settings)
    older = store_for(ctx.settings, row.id).names()
    where = [Task.project_id == project.id, Task.is_labeled.is_(False)]
    db.commit()
    while True:
        ctx.check_cancelled()
        batch = list(
            db.scalars(select(Task).where(*where, Task.id > state["after"]).order_by(Task.id).limit(BATCH))
        )
        db.commit()
        if not batch:
            break
        asked = [{"id": t.id, "data": t.data or {}, "meta": t.meta or {}} for t in batch]
        rows = _rows(schema, batch, model.predict(asked), project.id)
        begin_write(db)
        state["replaced"] += predictions.replace_for_model(db, project.id, older, rows)
        state["predicted"] += len(rows)
        state["after"] = batch[-1].id
        ctx.save_checkpoint(state, db)
        db.commit()
        ctx.progress(state["predicted"], None)


def run(ctx: jobs.Context) -> dict[str, Any]:
    connection_id = int(ctx.params["connection_id"])
    with ctx.sessionmaker() as db:
        row = db.get(MLBackend, connection_id)
        if row is None:
            raise Invalid(f"ML backend {connection_id} no longer exists")
        project = projects.get(db, row.project_id)
        try:
            state = dict(ctx.checkpoint) if ctx.checkpoint.get("version") else _train(ctx, db, row, project)
            _refresh(ctx, db, connection_id, state)
        except ModelError as exc:
            db.rollback()
            connections.set_state(db, connection_id, "ER", str(exc))
            raise Invalid(str(exc)) from None
        except BaseException:
            db.rollback()
            connections.set_state(db, connection_id, "CO")
            raise
    figures = state.get("figures") or {}
    return {
        "version": state["version"],
        "examples": figures.get("examples"),
        "accuracy": figures.get("accuracy"),
        "predicted": state["predicted"],
        "replaced": state["replaced"],
    }


jobs.register(KIND, run)
