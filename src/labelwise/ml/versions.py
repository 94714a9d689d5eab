"""Model versions of a project: the stored predictions of each `model_version`, counted and scored.

Why scored here and not by re-running the models: the predictions are already in the database (imported,
made by a pre-annotation run, by a training job), and a version that is no longer served can still be
compared. Per version and per answered control (`ml.llm.schema.controls`):

- against ground truth: the tasks with a ground-truth annotation (not skipped; the latest one) that the
  version predicted: `tasks`, `accuracy`, and per ground-truth label `support`, `recall` and `precision`
  (`ml.scoring.per_label`);
- against consensus: the stored consensus of the task and control (`task_consensus`, written by the
  `quality.aggregate` job) where there is one, else the majority vote of the human annotations (model
  members, `ml.member.MODEL_DOMAIN`, are not human): `tasks`, `agreement`, the same per label, and how
  many references were `stored` or a `majority`.

A task the version predicted without answering the control counts as answered wrong. Labels on a Text are
scored by mean span F1 (`quality.regions.span_f1`), as prompt evaluations are: against the ground truth, and
against the stored consensus or else each human annotation. TextArea and Number have no per-label table.

Reads are set-based: five statements whatever the number of versions or tasks (the versions' counts, the
cutoff of the newest `limit` scored tasks, their predictions, annotations and consensus). A scored task is
one with a prediction and a reference (a ground truth, a human annotation or a stored consensus); past
`limit` of them, the older ones are left out and the answer says `"truncated": true`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Text, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from labelwise.db.base import table
from labelwise.db.models import Annotation, Prediction, Project, Task, TaskConsensus, User
from labelwise.labeling import ControlTag, Schema
from labelwise.ml import scoring
from labelwise.ml.llm import schema as answered
from labelwise.ml.member import MODEL_DOMAIN
from labelwise.quality.regions import span_f1
from labelwise.services import projects

LIMIT = 20_000
LABELLED = (
    "choices",
    "taxonomy",
    "rating",
)  # controls whose answers are labels from a set: a per-label table

Result = list[dict[str, Any]]


@dataclass
class Reference:
    """What a task's predictions are scored against: its annotations (id order) and stored consensus."""

    annotations: list[dict[str, Any]] = field(
        default_factory=list
    )  # completed_by, ground_truth, human, result
    consensus: dict[str, Result] = field(default_factory=dict)  # control -> consensus result


# -- reads ---------------------------------------------------------------------------------------------------


def counts(db: Session, project_id: int) -> list[dict[str, Any]]:
    """Per version: predictions, mean score, first and last `created_at`; the newest version first."""
    p = table(Prediction).c
    rows = db.execute(
        select(
            p.model_version, func.count(), func.avg(p.score), func.min(p.created_at), func.max(p.created_at)
        )
        .where(p.project_id == project_id)
        .group_by(p.model_version)
    ).all()
    out = [
        {
            "model_version": version or "",
            "predictions": int(n),
            "mean_score": float(mean) if mean is not None else None,
            "first_created_at": first,
            "last_created_at": last,
        }
        for version, n, mean, first, last in rows
    ]
    out.sort(key=lambda v: v["model_version"])
    out.sort(
        key=lambda v: v["last_created_at"] is not None and v["last_created_at"].timestamp(), reverse=True
    )
    return out


def listing(db: Session, project: Project) -> dict[str, int]:
    """Label Studio's answer to `GET /api/projects/{id}/model-versions`: predictions per version, with the
    project's current `model_version` at 0 when it has none."""
    out = {v["model_version"]: v["predictions"] for v in counts(db, project.id)}
    if project.model_version and project.model_version not in out:
        out[project.model_version] = 0
    return out


def extended(db: Session, project: Project, limit: int | None = None) -> list[dict[str, Any]]:
    """Label Studio's `?extended=true` rows: `model_version`, `count`, `latest`; the newest first."""
    rows = [
        {"model_version": v["model_version"], "count": v["predictions"], "latest": v["last_created_at"]}
        for v in counts(db, project.id)
    ]
    return rows[:limit] if limit is not None else rows


def _human(u: Any) -> ColumnElement[bool]:
    return and_(u.id.is_not(None), ~u.email.endswith(MODEL_DOMAIN))


def _has_reference(task_id: Any) -> ColumnElement[bool]:
    a, c, u = table(Annotation).c, table(TaskConsensus).c, table(User).c
    annotated = (
        select(a.id)
        .select_from(table(Annotation).outerjoin(table(User), u.id == a.completed_by_id))
        .where(a.task_id == task_id, a.was_cancelled.is_(False), or_(a.ground_truth.is_(True), _human(u)))
        .exists()
    )
    return or_(annotated, exists().where(c.task_id == task_id))


def _has_prediction(task_id: Any) -> ColumnElement[bool]:
    p = table(Prediction).c
    return exists().where(p.task_id == task_id)


def _cutoff(db: Session, project_id: int, limit: int) -> int | None:
    """The newest scored task left out by `limit` (older ones are left out too), or None: none is."""
    t = table(Task).c
    return db.scalar(
        select(t.id)
        .where(t.project_id == project_id, _has_prediction(t.id), _has_reference(t.id))
        .order_by(t.id.desc())
        .offset(limit)
        .limit(1)
    )


def _after(column: Any, cutoff: int | None) -> list[ColumnElement[bool]]:
    return [] if cutoff is None else [column > cutoff]


def read(
    db: Session, project_id: int, limit: int = LIMIT
) -> tuple[dict[str, dict[int, Result]], dict[int, Reference], bool]:
    """The predictions of the scored tasks per version and task (the latest per task), their references,
    and whether older scored tasks were left out."""
    cutoff = _cutoff(db, project_id, limit)
    p, a, c, u = table(Prediction).c, table(Annotation).c, table(TaskConsensus).c, table(User).c
    predictions: dict[str, dict[int, Result]] = {}
    for task_id, version, result in db.execute(
        select(p.task_id, p.model_version, cast(p.result, Text))
        .where(p.project_id == project_id, *_after(p.task_id, cutoff), _has_reference(p.task_id))
        .order_by(p.id)
    ):
        predictions.setdefault(version or "", {})[task_id] = orjson.loads(result or "[]")
    references: dict[int, Reference] = {}
    for task_id, who, ground_truth, email, result in db.execute(
        select(a.task_id, a.completed_by_id, a.ground_truth, u.email, cast(a.result, Text))
        .select_from(table(Annotation).outerjoin(table(User), u.id == a.completed_by_id))
        .where(
            a.project_id == project_id,
            *_after(a.task_id, cutoff),
            a.was_cancelled.is_(False),
            _has_prediction(a.task_id),
        )
        .order_by(a.id)
    ):
        human = who is not None and email is not None and not email.endswith(MODEL_DOMAIN)
        if not (human or ground_truth):
            continue
        references.setdefault(task_id, Reference()).annotations.append(
            {
                "completed_by": who,
                "ground_truth": bool(ground_truth),
                "human": human,
                "result": orjson.loads(result or "[]"),
            }
        )
    for task_id, control, result in db.execute(
        select(c.task_id, c.control, cast(c.result, Text)).where(
            c.project_id == project_id, *_after(c.task_id, cutoff), _has_prediction(c.task_id)
        )
    ):
        references.setdefault(task_id, Reference()).consensus[control] = orjson.loads(result or "[]")
    return predictions, references, cutoff is not None


# -- scores (pure) -------------------------------------------------------------------------------------------


def _humans(ref: Reference) -> list[dict[str, Any]]:
    return [x for x in ref.annotations if x["human"]]


@dataclass
class _Labels:
    """The references of one categorical control, the same for every version."""

    truth: dict[int, str]
    consensus: dict[int, str]
    stored: set[int]


def _labels_of(control: ControlTag, references: Mapping[int, Reference]) -> _Labels:
    truth = scoring.answers(
        ({"id": t, "annotations": scoring.latest_truth(r.annotations)} for t, r in references.items()),
        control.name,
    )
    stored: dict[int, str] = {}
    for task, ref in references.items():
        if control.name in ref.consensus:
            label = scoring.answer(ref.consensus[control.name], control.name)
            if label is not None:
                stored[task] = label
    voted = scoring.majority(
        ({"id": t, "annotations": _humans(r)} for t, r in references.items() if t not in stored),
        control.name,
    )
    return _Labels(truth, {**voted, **stored}, set(stored))


def _against(
    reference: Mapping[int, str], model: Mapping[int, str | None], order: Sequence[str], with_labels: bool
) -> dict[str, Any]:
    right = sum(1 for task, label in reference.items() if model.get(task) == label)
    return {
        "tasks": len(reference),
        "accuracy": scoring.ratio(right, len(reference)),
        "labels": scoring.per_label(reference, model, order) if with_labels else [],
    }


def _classification(control: ControlTag, labels: _Labels, predicted: Mapping[int, Result]) -> dict[str, Any]:
    model = {task: scoring.answer(result, control.name) for task, result in predicted.items()}
    order = scoring.label_order(control)
    with_labels = control.type in LABELLED
    truth = {t: label for t, label in labels.truth.items() if t in predicted}
    consensus = {t: label for t, label in labels.consensus.items() if t in predicted}
    against = _against(consensus, model, order, with_labels)
    stored = sum(1 for t in consensus if t in labels.stored)
    return {
        "type": control.type,
        "ground_truth": _against(truth, model, order, with_labels),
        "consensus": {
            "tasks": against["tasks"],
            "agreement": against["accuracy"],
            "stored": stored,
            "majority": len(consensus) - stored,
            "labels": against["labels"],
        },
    }


def _span_scores(
    control: ControlTag, references: Mapping[int, Reference], predicted: Mapping[int, Result]
) -> dict[str, Any]:
    truth_scores: list[float] = []
    consensus_scores: list[float] = []
    consensus_tasks = stored = 0
    for task, result in predicted.items():
        ref = references.get(task)
        if ref is None:
            continue
        model = scoring.spans(result, control.name)
        truth = scoring.latest_truth(ref.annotations)
        if truth:
            truth_scores.append(span_f1(model, scoring.spans(truth[0]["result"], control.name)))
        if control.name in ref.consensus:
            consensus_scores.append(span_f1(model, scoring.spans(ref.consensus[control.name], control.name)))
            consensus_tasks += 1
            stored += 1
            continue
        humans = _humans(ref)
        consensus_tasks += bool(humans)
        for annotation in humans:
            consensus_scores.append(span_f1(model, scoring.spans(annotation["result"], control.name)))
    return {
        "type": control.type,
        "metric": "span_f1",
        "ground_truth": {
            "tasks": len(truth_scores),
            "accuracy": scoring.ratio(sum(truth_scores), len(truth_scores)),
            "labels": [],
        },
        "consensus": {
            "tasks": consensus_tasks,
            "agreement": scoring.ratio(sum(consensus_scores), len(consensus_scores)),
            "stored": stored,
            "majority": consensus_tasks - stored,
            "labels": [],
        },
    }


def score(
    schema: Schema, predictions: Mapping[str, Mapping[int, Result]], references: Mapping[int, Reference]
) -> dict[str, dict[str, Any]]:
    """Per version, per answered control, the figures of the module docstring; pure, no database."""
    controls = answered.controls(schema)
    labels = {c.name: _labels_of(c, references) for c in controls if c.type != "labels"}
    out: dict[str, dict[str, Any]] = {}
    for version, predicted in predictions.items():
        scored = {task: result for task, result in predicted.items() if task in references}
        out[version] = {
            c.name: (
                _span_scores(c, references, scored)
                if c.type == "labels"
                else _classification(c, labels[c.name], scored)
            )
            for c in controls
        }
    return out


def compare(db: Session, project: Project, limit: int = LIMIT) -> dict[str, Any]:
    """Every version of the project's predictions with its counts and scores, the newest version first."""
    versions = counts(db, project.id)
    predictions, references, truncated = read(db, project.id, limit)
    every = {v["model_version"]: predictions.get(v["model_version"], {}) for v in versions}
    scores = score(projects.schema(project), every, references)
    scored_tasks = {task for predicted in predictions.values() for task in predicted if task in references}
    for version in versions:
        version["tasks"] = sum(1 for t in predictions.get(version["model_version"], {}) if t in references)
        version["controls"] = scores.get(version["model_version"], {})
    return {
        "project": project.id,
        "limit": limit,
        "truncated": truncated,
        "tasks": len(scored_tasks),
        "consensus_stored": any(ref.consensus for ref in references.values()),
        "versions": versions,
    }
