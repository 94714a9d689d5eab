"""Aggregated labels of a project: the consensus of every task and control, and every annotator's skill.

`aggregate` reads the project's submitted annotations in keyset batches (Core rows, the result as JSON
text), turns them into long-format votes per control (`quality.votes_from_tasks` for single answers:
choices, ratings, numbers, texts, taxonomies; for regions and anything else, the control's whole result,
so equal results vote together), runs the control's estimator (`services.aggregation`) over all votes at
once (spans on a Text, rectangles, TextArea, Rating and Number go to `services.consensus_regions` instead,
unless a categorical method is chosen for them), and replaces the project's rows of `task_consensus` and `annotator_skills` in one transaction
(delete, then bulk insert). It runs as the background job `quality.aggregate`, started by
`POST /api/projects/{id}/aggregate` or `labelwise quality aggregate`.

Annotations of deleted users carry no annotator and are left out; so are skipped annotations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
from sqlalchemy import Text, cast, delete, select
from sqlalchemy.orm import Session, sessionmaker

from labelwise import jobs, labeling, quality
from labelwise.db import bulk
from labelwise.db.base import table
from labelwise.db.engine import begin_write
from labelwise.db.models import Annotation, AnnotatorSkill, Job, Project, Task, TaskConsensus, User
from labelwise.quality.extract import VALUE_KEYS
from labelwise.services import aggregation, consensus_regions, projects
from labelwise.services.consensus_regions import REGION_METHODS, RegionControl
from labelwise.services.errors import Conflict, Invalid

KIND = "quality.aggregate"
BATCH = 5000
# Keys of a result item that say who or what made it, not what it says: equal answers must compare equal.
_NOISE = ("id", "origin", "score", "readonly", "hidden", "parentID")


@dataclass
class _Control:
    """Votes of one control, collected batch by batch: keys are what the estimator sees as labels."""

    name: str
    single: bool  # one answer per annotation, read by `votes_from_tasks`; else the whole result votes
    tasks: list[int] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # key -> a result saying it


@dataclass(frozen=True)
class Consensus:
    task: int
    control: str
    result: list[dict[str, Any]]
    confidence: float
    method: str


@dataclass(frozen=True)
class Skill:
    user: int
    control: str
    skill: float
    n: int


@dataclass
class Outcome:
    consensus: list[Consensus]
    skills: list[Skill]
    methods: dict[str, str]


def _clean_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _NOISE}


def _key(label: Any) -> str:
    return label if isinstance(label, str) else orjson.dumps(label, option=orjson.OPT_SORT_KEYS).decode()


def _collectors(
    schema: labeling.Schema, chosen: dict[str, str]
) -> tuple[list[_Control], list[RegionControl]]:
    """Categorical collectors, and those of the controls a region method aggregates."""
    plain, regional = [], []
    for name, control in schema.controls.items():
        method = chosen[name]
        if method in REGION_METHODS:
            regional.append(RegionControl(name, REGION_METHODS[method][0], method, control))
        else:
            plain.append(_Control(name, single=control.type.lower() in VALUE_KEYS and not control.per_region))
    return plain, regional


def _items(result: list[dict[str, Any]], control: str) -> list[dict[str, Any]]:
    return [_clean_item(x) for x in result if isinstance(x, dict) and x.get("from_name") == control]


def _whole(result: list[dict[str, Any]], control: str) -> str | None:
    """The control's part of a result as one canonical text (items sorted), or None when it has none."""
    texts = sorted(orjson.dumps(x, option=orjson.OPT_SORT_KEYS).decode() for x in _items(result, control))
    return "[" + ",".join(texts) + "]" if texts else None


def _add_batch(controls: list[_Control], rows: list[tuple[int, int, list[dict[str, Any]]]]) -> None:
    """Votes of one batch of (task, annotator, result) rows for every control."""
    # Each annotation is its own pseudo-task for `votes_from_tasks`, so a vote leads back to its result.
    pseudo = [
        {"id": i, "annotations": [{"completed_by": 0, "result": r}]} for i, (_, _, r) in enumerate(rows)
    ]
    for c in controls:
        found: list[tuple[int, str]]
        if c.single:
            votes = quality.votes_from_tasks(pseudo, c.name)
            found = [(i, _key(label)) for i, label in zip(votes["task"], votes["label"], strict=True)]
        else:
            keys = ((i, _whole(result, c.name)) for i, (_, _, result) in enumerate(rows))
            found = [(i, key) for i, key in keys if key is not None]
        for i, key in found:
            task_id, worker, result = rows[i]
            c.tasks.append(task_id)
            c.workers.append(worker)
            c.labels.append(key)
            if key not in c.results:
                c.results[key] = _items(result, c.name)


def _votes(
    db: Session, project_id: int, tick: Callable[[int], None] | None
) -> Iterable[list[tuple[int, int, list[dict[str, Any]]]]]:
    """The project's submitted annotations of existing users as (task, annotator, result), in id order."""
    a = table(Annotation).c
    last = 0
    while True:
        rows = db.execute(
            select(a.id, a.task_id, a.completed_by_id, cast(a.result, Text))
            .where(a.project_id == project_id, a.id > last, a.was_cancelled.is_(False))
            .order_by(a.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        if tick is not None:
            tick(len(rows))
        yield [(r[1], r[2], orjson.loads(r[3] or "[]")) for r in rows if r[2] is not None]


def compute(
    db: Session,
    project: Project,
    method: str | None = None,
    tick: Callable[[int], None] | None = None,
) -> Outcome:
    """Fit every control's estimator over the whole project (`method` overrides the setting for all)."""
    if method is not None and method not in aggregation.NAMES:
        raise Invalid(
            f"method: unknown method {method[:30]!r}; use one of {', '.join(aggregation.NAMES)}",
            {"method": ["unknown method"]},
        )
    schema = projects.schema(project)
    chosen = aggregation.methods(project, schema, method)
    controls, regional = _collectors(schema, chosen)
    for batch in _votes(db, project.id, tick):
        _add_batch(controls, batch)
        for rc in regional:
            for task_id, worker, result in batch:
                rc.add(task_id, worker, result)
    out = Outcome([], [], chosen)
    for c in controls:
        if c.labels:
            _fit(c, chosen[c.name], out)
    keys = consensus_regions.text_keys(regional, schema)
    marked = {t for rc in regional if rc.name in keys for t in rc.marked}
    texts = consensus_regions.task_texts(db, marked, set(keys.values())) if marked else {}
    for rc in regional:
        key = keys.get(rc.name)
        own = {t: text for (t, k), text in texts.items() if k == key} if key else {}
        agreed, skills = consensus_regions.fit(rc, own)
        out.consensus.extend(Consensus(a.task, rc.name, a.result, a.confidence, rc.method) for a in agreed)
        out.skills.extend(Skill(user, rc.name, skill, n) for user, skill, n in skills)
    return out


def _fit(c: _Control, method: str, out: Outcome) -> None:
    fitted: Any = aggregation.estimator(method).fit(
        (np.asarray(c.tasks), np.asarray(c.workers), np.asarray(c.labels, dtype=object))
    )
    codes = fitted.label_codes_
    confidence = fitted.proba_matrix_[np.arange(len(codes)), codes]
    classes = fitted.classes_[codes].tolist()
    for task_id, key, p in zip(fitted.tasks_.tolist(), classes, confidence.tolist(), strict=True):
        out.consensus.append(Consensus(int(task_id), c.name, c.results[key], float(p), method))
    votes = fitted.votes_
    counts = np.bincount(votes.worker, minlength=votes.n_workers).tolist()
    skills = aggregation.skills(method, fitted).tolist()
    for worker, skill, n in zip(votes.workers.tolist(), skills, counts, strict=True):
        out.skills.append(Skill(int(worker), c.name, float(skill), int(n)))


def store(db: Session, project_id: int, outcome: Outcome) -> None:
    """Replace the project's consensus and skills in one transaction; gold accuracy already recorded for
    an annotator and control is kept. Rows of tasks or users deleted since the votes were read are dropped."""
    begin_write(db)
    s = table(AnnotatorSkill).c
    gold = {
        (r[0], r[1]): r[2]
        for r in db.execute(
            select(s.user_id, s.control, s.gold_accuracy).where(
                s.project_id == project_id, s.gold_accuracy.is_not(None)
            )
        )
    }
    tasks = set(db.scalars(select(Task.id).where(Task.project_id == project_id)))
    wanted = {k.user for k in outcome.skills} | {u for u, _ in gold}
    people = set(db.scalars(select(User.id).where(User.id.in_(wanted)))) if wanted else set()
    db.execute(delete(TaskConsensus).where(TaskConsensus.project_id == project_id))
    db.execute(delete(AnnotatorSkill).where(AnnotatorSkill.project_id == project_id))
    stamp = bulk.timestamp(db, datetime.now(UTC))
    bulk.insert_rows(
        db,
        "task_consensus",
        ("task_id", "project_id", "control", "result", "confidence", "method", "updated_at"),
        [
            (c.task, project_id, c.control, orjson.dumps(c.result).decode(), c.confidence, c.method, stamp)
            for c in outcome.consensus
            if c.task in tasks
        ],
    )
    rows = {(k.user, k.control): [k.skill, gold.pop((k.user, k.control), None), k.n] for k in outcome.skills}
    rows.update({key: [None, value, 0] for key, value in gold.items()})
    bulk.insert_rows(
        db,
        "annotator_skills",
        ("project_id", "user_id", "control", "skill", "gold_accuracy", "n"),
        [(project_id, user, control, *values) for (user, control), values in rows.items() if user in people],
    )
    db.commit()


def aggregate(
    factory: sessionmaker[Session],
    project_id: int,
    method: str | None = None,
    tick: Callable[[int], None] | None = None,
) -> Outcome:
    """Compute (in a read transaction) and store (in a short write one)."""
    with factory() as db:
        outcome = compute(db, projects.get(db, project_id), method, tick)
        db.rollback()
        store(db, project_id, outcome)
    return outcome


def run(ctx: jobs.Context) -> dict[str, Any]:
    """The job: progress counts annotations read, of the project's annotations when it started."""
    project_id = int(ctx.params["project_id"])
    method = ctx.params.get("method")
    with ctx.sessionmaker() as db:
        total = projects.get(db, project_id).total_annotations_number
    done = [0]
    ctx.progress(0, total)

    def tick(n: int) -> None:
        done[0] += n
        ctx.progress(done[0], max(total, done[0]))
        ctx.check_cancelled()

    outcome = aggregate(ctx.sessionmaker, project_id, method if isinstance(method, str) else None, tick)
    ctx.progress(done[0], done[0])
    return {"tasks": len({c.task for c in outcome.consensus}), "methods": outcome.methods}


jobs.register(KIND, run)


def submit(db: Session, project: Project, user: User, method: str | None = None) -> Job:
    """Queue a run; one at a time per project (a second would race the first's delete-then-insert)."""
    if method is not None and method not in aggregation.NAMES:
        raise Invalid(
            f"method: unknown method {str(method)[:30]!r}; use one of {', '.join(aggregation.NAMES)}",
            {"method": ["unknown method"]},
        )
    running = latest_job(db, project.id)
    if running is not None and running.status in (jobs.QUEUED, jobs.RUNNING):
        raise Conflict(f"an aggregation of project {project.id} is already under way (job {running.id})")
    params: dict[str, Any] = {"project_id": project.id}
    if method is not None:
        params["method"] = method
    return jobs.submit(db, KIND, params, project_id=project.id, user_id=user.id)


def latest_job(db: Session, project_id: int) -> Job | None:
    return db.scalar(
        select(Job).where(Job.project_id == project_id, Job.kind == KIND).order_by(Job.id.desc()).limit(1)
    )


def job_json(job: Job | None) -> dict[str, Any] | None:
    if job is None:
        return None
    done, total = jobs.live(job.id) or (job.progress_done, job.progress_total)
    return {
        "id": job.id,
        "status": job.status,
        "progress": {"done": done, "total": total},
        "result": job.result,
        "error": job.error or None,
    }


def visible(db: Session, user: User, project: Project) -> bool:
    """Whether the user may see consensus labels: not an annotator of a blind project, since a consensus
    is made of other people's answers."""
    from labelwise.services import access

    return not access.own_only(db, user, project)


def for_tasks(db: Session, task_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Per task, its consensus per control (`{control, result, confidence, method}`), in one IN query."""
    if not task_ids:
        return {}
    c = table(TaskConsensus).c
    out: dict[int, list[dict[str, Any]]] = {}
    rows = db.execute(
        select(c.task_id, c.control, cast(c.result, Text), c.confidence, c.method)
        .where(c.task_id.in_(task_ids))
        .order_by(c.task_id, c.control)
    )
    for task_id, control, result, confidence, method in rows:
        out.setdefault(task_id, []).append(
            {"control": control, "result": orjson.loads(result), "confidence": confidence, "method": method}
        )
    return out


def exists_for(db: Session, project_id: int) -> bool:
    c = table(TaskConsensus).c
    return db.scalar(select(c.id).where(c.project_id == project_id).limit(1)) is not None


def for_export(db: Session, task_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """`for_tasks` in the shape exports write: `score` is the confidence, as a prediction's score is."""
    return {
        task_id: [
            {"control": e["control"], "result": e["result"], "score": e["confidence"], "method": e["method"]}
            for e in entries
        ]
        for task_id, entries in for_tasks(db, task_ids).items()
    }


def attach(db: Session, user: User, project: Project, tasks: list[dict[str, Any]]) -> None:
    """Add `consensus` to each task JSON that has one, when the user may see it (one query for all)."""
    if not tasks or not visible(db, user, project):
        return
    found = for_tasks(db, [t["id"] for t in tasks])
    for t in tasks:
        if t["id"] in found:
            t["consensus"] = found[t["id"]]


def skills_of(
    db: Session, project_id: int, user_ids: Iterable[int] | None = None
) -> dict[int, dict[str, Any]]:
    """Per annotator: `skill` (the mean over controls, weighted by their votes) and `gold_accuracy` (the
    mean of what is recorded), each None when unknown."""
    s = table(AnnotatorSkill).c
    query = select(s.user_id, s.skill, s.gold_accuracy, s.n).where(s.project_id == project_id)
    if user_ids is not None:
        query = query.where(s.user_id.in_(list(user_ids)))
    sums: dict[int, list[float]] = {}
    for user_id, skill, gold, n in db.execute(query):
        acc = sums.setdefault(user_id, [0.0, 0.0, 0.0, 0.0])
        if skill is not None and n:
            acc[0] += skill * n
            acc[1] += n
        if gold is not None:
            acc[2] += gold
            acc[3] += 1
    return {
        uid: {
            "skill": round(a[0] / a[1], 4) if a[1] else None,
            "gold_accuracy": round(a[2] / a[3], 4) if a[3] else None,
        }
        for uid, a in sums.items()
    }
