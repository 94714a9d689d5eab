"""Prompt evaluation: a prompt version run on the project's gold tasks, scored against ground truth and
against the human consensus, and kept so versions can be compared side by side.

Why through `labelwise.quality`: an LLM is one more annotator (DESIGN, principle 1), so its agreement with
people is the same computation as one person's with another. Per answered control: `accuracy` is the share of
gold tasks where the model's answer equals the ground truth (a task it gave no answer for counts as wrong);
`consensus_agreement` is the share of tasks where it equals the majority vote of the human annotations
(`MajorityVote`), with Cohen's kappa between the two (`cohen_kappa_matrix`). For Labels on Text the scores are
mean span F1 (`quality.regions.span_f1`) against the ground truth and against each human annotation.

Gold tasks used as few-shot examples in the prompt are left out, since the model has seen their answers.
Annotations by model members (`annotator.py`) are not human and are left out of the consensus.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from labelwise.db.engine import begin_write
from labelwise.db.models import Annotation, Project, PromptEvaluation, Task, User
from labelwise.labeling import ControlTag, Schema
from labelwise.ml import scoring
from labelwise.ml.contract import Example, Model, Proposal
from labelwise.ml.llm import schema as answers
from labelwise.ml.member import MODEL_DOMAIN
from labelwise.quality import cohen_kappa_matrix
from labelwise.quality.regions import span_f1
from labelwise.services import projects

MAX_GOLD = 1000


def gold_tasks(db: Session, project_id: int, limit: int = MAX_GOLD) -> list[dict[str, Any]]:
    """Tasks with a ground-truth annotation, with their human annotations: two queries."""
    gt = exists().where(
        and_(
            Annotation.task_id == Task.id,
            Annotation.ground_truth.is_(True),
            Annotation.was_cancelled.is_(False),
        )
    )
    rows = db.execute(
        select(Task.id, Task.data).where(Task.project_id == project_id, gt).order_by(Task.id).limit(limit)
    ).all()
    tasks = {task_id: {"id": task_id, "data": data, "annotations": []} for task_id, data in rows}
    if not tasks:
        return []
    annotations = db.execute(
        select(Annotation.task_id, Annotation.completed_by_id, Annotation.result, Annotation.ground_truth)
        .outerjoin(User, User.id == Annotation.completed_by_id)
        .where(
            Annotation.task_id.in_(list(tasks)),
            Annotation.was_cancelled.is_(False),
            or_(User.id.is_(None), ~User.email.endswith(MODEL_DOMAIN)),
        )
        .order_by(Annotation.id)
    )
    for task_id, who, result, ground_truth in annotations:
        tasks[task_id]["annotations"].append(
            {"completed_by": who, "result": result, "ground_truth": ground_truth}
        )
    return list(tasks.values())


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _classification(
    control: ControlTag, gold: Sequence[Mapping[str, Any]], predicted: Mapping[int, Proposal]
) -> dict[str, Any]:
    truth = scoring.answers(({"id": t["id"], "annotations": _truth(t)} for t in gold), control.name)
    model = scoring.answers(
        (
            {"id": t["id"], "predictions": [_prediction(predicted[t["id"]])]}
            for t in gold
            if t["id"] in predicted
        ),
        control.name,
    )
    correct = sum(1 for task, label in truth.items() if model.get(task) == label)
    consensus = scoring.majority(
        ({"id": t["id"], "annotations": t["annotations"]} for t in gold), control.name
    )
    both = [task for task in consensus if task in model]
    agree = sum(1 for task in both if consensus[task] == model[task])
    kappa: float | None = None
    if both:
        tasks = both + both
        workers = ["llm"] * len(both) + ["consensus"] * len(both)
        labels = [model[t] for t in both] + [consensus[t] for t in both]
        kappa = _number(cohen_kappa_matrix((tasks, workers, labels))[0, 1])
    return {
        "type": control.type,
        "gold": len(truth),
        "answered": sum(1 for task in truth if task in model),
        "accuracy": correct / len(truth) if truth else None,
        "consensus_tasks": len(both),
        "consensus_agreement": agree / len(both) if both else None,
        "consensus_kappa": kappa,
    }


def _span_scores(
    control: ControlTag, gold: Sequence[Mapping[str, Any]], predicted: Mapping[int, Proposal]
) -> dict[str, Any]:
    truth_scores, human_scores = [], []
    for task in gold:
        model = scoring.spans(predicted[task["id"]].result, control.name) if task["id"] in predicted else []
        truth = _truth(task)
        if truth:
            truth_scores.append(span_f1(model, scoring.spans(truth[0]["result"], control.name)))
        for annotation in task["annotations"]:
            human_scores.append(span_f1(model, scoring.spans(annotation["result"], control.name)))
    return {
        "type": control.type,
        "gold": len(truth_scores),
        "answered": sum(1 for t in gold if t["id"] in predicted),
        "accuracy": sum(truth_scores) / len(truth_scores) if truth_scores else None,
        "consensus_tasks": len(gold),
        "consensus_agreement": sum(human_scores) / len(human_scores) if human_scores else None,
        "consensus_kappa": None,
    }


def _truth(task: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return scoring.latest_truth(task["annotations"])


def _prediction(proposal: Proposal) -> dict[str, Any]:
    return {"model_version": proposal.model_version, "result": proposal.result}


def score(schema: Schema, gold: Sequence[Mapping[str, Any]], proposals: Sequence[Proposal]) -> dict[str, Any]:
    """Metrics per answered control (see the module docstring); pure, no database."""
    predicted = {p.task: p for p in proposals}
    out: dict[str, Any] = {}
    for control in answers.controls(schema):
        if control.type == "labels":
            out[control.name] = _span_scores(control, gold, predicted)
        else:
            out[control.name] = _classification(control, gold, predicted)
    return out


def evaluate(
    db: Session,
    project: Project,
    model: Model,
    *,
    user: User | None = None,
    connection_id: int | None = None,
    prompt: str = "",
    limit: int = MAX_GOLD,
) -> PromptEvaluation:
    """Run `model` on the project's gold tasks, score it, store and return the evaluation."""
    version = model.setup()
    seen = {
        int(e.task["id"]) for e in getattr(getattr(model, "prompt", None), "examples", ()) if "id" in e.task
    }
    gold = [t for t in gold_tasks(db, project.id, limit) if t["id"] not in seen]
    db.rollback()  # no read transaction held open while the model answers
    proposals = model.predict([{"id": t["id"], "data": t["data"]} for t in gold]) if gold else []
    metrics = {
        "controls": score(projects.schema(project), gold, proposals),
        "excluded_few_shot": sorted(seen),
    }
    begin_write(db)
    row = PromptEvaluation(
        project_id=project.id,
        connection_id=connection_id,
        model_version=version,
        prompt=prompt,
        tasks=len(gold),
        failures=len(gold) - len(proposals),
        tokens=sum(p.tokens for p in proposals),
        cost=sum(p.cost for p in proposals),
        metrics=metrics,
        created_by_id=user.id if user is not None else None,
    )
    db.add(row)
    db.commit()
    return row


def listing(db: Session, project: Project, limit: int = 100) -> list[PromptEvaluation]:
    """The project's evaluations, newest first, for the side-by-side table."""
    return list(
        db.scalars(
            select(PromptEvaluation)
            .where(PromptEvaluation.project_id == project.id)
            .order_by(PromptEvaluation.id.desc())
            .limit(limit)
        )
    )


def to_json(row: PromptEvaluation) -> dict[str, Any]:
    return {
        "id": row.id,
        "project": row.project_id,
        "connection": row.connection_id,
        "model_version": row.model_version,
        "prompt": row.prompt,
        "tasks": row.tasks,
        "failures": row.failures,
        "tokens": row.tokens,
        "cost": row.cost,
        "metrics": row.metrics,
        "created_by": row.created_by_id,
        "created_at": row.created_at,
    }


def gold_examples(db: Session, project_id: int, count: int) -> list[Example]:
    """The first `count` gold tasks as few-shot examples (their latest ground truth as the answer)."""
    if count <= 0:
        return []
    out = []
    for task in gold_tasks(db, project_id, count):
        truth = _truth(task)
        if truth:
            out.append(
                Example({"id": task["id"], "data": task["data"]}, truth[0]["result"], ground_truth=True)
            )
    return out
