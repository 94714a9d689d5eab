"""A project's agreement report: per control, the metric that fits it, per-label agreement, an annotator x
annotator matrix, confusion between annotators and against the consensus, and the least agreed tasks.

Metrics by kind of control (services/task_agreement.py names the kinds):
- single answers (Choices, Taxonomy with one path, DateTime, Pairwise): Krippendorff's alpha, nominal, and
  percent agreement; Rating: alpha ordinal over 1..maxRating; Number: alpha interval;
- multi-label Choices and Taxonomy: the mean pairwise Jaccard; TextArea: the mean pairwise text similarity;
- spans, boxes (IoU 0.5), polygons, keypoints: the mean pairwise F1 of matched regions.
For the pairwise kinds the value is the mean task agreement over the tasks two or more annotators answered.

Per label: for single and multi-label answers the positive specific agreement (for label k, over pairs on a
task: twice the pairs where both said k over the pairs where either did, summed from the tasks x labels count
matrix, sum n_tk (n_tk - 1) / sum n_tk (n_t - 1)); for regions the mean F1 of the pairs where either side has a
region with that label, counting only those regions.

All annotations are read in one column fetch per batch (skips and gold answer keys left out); everything else
is numpy over the answers and their pairs, with no query per task.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from labelwise import jobs, quality
from labelwise.db.base import table
from labelwise.db.models import Job, Project, Task, TaskConsensus, User
from labelwise.services import projects
from labelwise.services import task_agreement as ta
from labelwise.services.errors import Conflict, Invalid

KIND = "quality.agreement"
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
MAX_LABELS = 50  # confusion matrices beyond this many labels would not be read; counted, not shown

_METRICS = {
    ta.NOMINAL: "krippendorff_alpha_nominal",
    ta.ORDINAL: "krippendorff_alpha_ordinal",
    ta.INTERVAL: "krippendorff_alpha_interval",
    ta.MULTI: "mean_jaccard",
    ta.TEXT: "text_similarity",
    "span": "span_f1",
    "box": "box_f1_iou_0.5",
    "polygon": "polygon_f1_iou_0.5",
    "keypoint": "keypoint_f1",
}


def _round(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), 4)


def label_text(value: Any) -> str:
    """How an answer is named in the report: a taxonomy path as `a / b`, several answers as `x, y`."""
    if isinstance(value, frozenset | tuple):
        parts = [" / ".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in value]
        return ", ".join(sorted(parts) if isinstance(value, frozenset) else parts)
    return str(value)


def _alpha(col: ta.Answers) -> float | None:
    c = col.control
    level: Literal["nominal", "ordinal", "interval"] = (
        "nominal" if c.kind == ta.NOMINAL else "ordinal" if c.kind == ta.ORDINAL else "interval"
    )
    labels: Any = col.answers
    domain: Any = None
    if c.kind == ta.NOMINAL:
        labels = [label_text(v) for v in col.answers]
    elif c.kind == ta.ORDINAL:
        domain = sorted(set(c.domain or ()) | set(col.answers))
    try:
        votes = (np.asarray(col.tasks), np.asarray(col.workers), np.asarray(labels, dtype=object))
        if c.kind != ta.NOMINAL:
            votes = (votes[0], votes[1], np.asarray(labels, dtype=np.float64))
        return _round(quality.krippendorff_alpha(votes, level=level, value_domain=domain))
    except (ValueError, TypeError, ZeroDivisionError):  # one value only, or nothing pairable
        return None


def _per_label_exact(col: ta.Answers, p: ta.Pairs) -> list[dict[str, Any]]:
    """Positive specific agreement per label from the tasks x labels count matrix."""
    if col.control.kind == ta.MULTI:
        members = [(k, v) for k, s in enumerate(col.answers) for v in s]
        rows = np.fromiter((k for k, _ in members), dtype=np.int64, count=len(members))
        lab, names = ta.codes([v for _, v in members])
    else:
        assert p.labels is not None
        rows, lab, names = np.arange(len(col.answers)), p.labels, p.classes
    n_t = np.bincount(p.task, minlength=len(p.tasks))
    counts: npt.NDArray[np.float64] = np.zeros((len(p.tasks), len(names)))
    np.add.at(counts, (p.task[rows], lab), 1.0)
    rated = n_t >= 2
    counts, n_rated = counts[rated], n_t[rated].astype(np.float64)
    agree = (counts * (counts - 1)).sum(axis=0)
    either = (counts * (n_rated[:, None] - 1)).sum(axis=0)
    out = []
    for k, name in enumerate(names):
        out.append({
            "label": label_text(name), "agreement": _round(agree[k] / either[k]) if either[k] else None,
            "count": int(counts[:, k].sum()),
        })  # fmt: skip
    return sorted(out, key=lambda e: (-e["count"], e["label"]))


def _region_labels(items: Sequence[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for item in items:
        value = item.get("value") or {}
        labels = value.get(str(item.get("type", "")).lower())
        if isinstance(labels, list):
            found.update(str(x) for x in labels)
    return found


def _per_label_regions(col: ta.Answers, p: ta.Pairs) -> list[dict[str, Any]]:
    """Per label: the mean F1 over pairs where either annotator drew a region with it, on those regions."""
    score = ta.scorer(col.control)
    has = [_region_labels(a) for a in col.answers]
    sums: dict[str, list[float]] = {}
    for a, b in zip(p.i.tolist(), p.j.tolist(), strict=True):
        for label in has[a] | has[b]:
            mine = [x for x in col.answers[a] if label in _region_labels([x])]
            theirs = [x for x in col.answers[b] if label in _region_labels([x])]
            acc = sums.setdefault(label, [0.0, 0.0])
            acc[0] += score(mine, theirs) if mine and theirs else 0.0
            acc[1] += 1
    counts: dict[str, int] = {}
    for items in col.answers:
        for label in _region_labels(items):
            counts[label] = counts.get(label, 0) + sum(1 for x in items if label in _region_labels([x]))
    out = [
        {"label": k, "agreement": _round(s / n) if n else None, "count": counts.get(k, 0)}
        for k, (s, n) in sums.items()
    ]
    return sorted(out, key=lambda e: (-e["count"], e["label"]))


def _people(db: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    found = {u.id: u for u in db.scalars(select(User).where(User.id.in_(list(ids))))} if ids else {}
    out = []
    for uid in ids:
        u = found.get(uid)
        name = " ".join(x for x in ((u.first_name, u.last_name) if u else ()) if x)
        out.append({"id": uid, "email": u.email if u else "", "name": name or (u.email if u else str(uid))})
    return out


def _matrix(p: ta.Pairs) -> dict[str, Any]:
    """Annotator x annotator mean pair score and how many tasks each two share (symmetric)."""
    n = len(p.workers)
    a, b = p.worker[p.i], p.worker[p.j]
    total, common = np.zeros((n, n)), np.zeros((n, n), dtype=np.int64)
    for x, y in ((a, b), (b, a)):
        np.add.at(total, (x, y), p.score)
        np.add.at(common, (x, y), 1)
    share = np.where(common > 0, total / np.maximum(common, 1), np.nan)
    return {
        "agreement": [[_round(v) for v in row] for row in share.tolist()],
        "common_tasks": common.tolist(),
    }


def _confusion(p: ta.Pairs) -> dict[str, Any] | None:
    """Label a (one annotator) x label b (the other) over ordered pairs: symmetric, twice the pairs."""
    if p.labels is None or not len(p.i):
        return None
    n = len(p.classes)
    if n > MAX_LABELS:
        return {"labels": [], "counts": [], "omitted": n}
    counts = np.zeros((n, n), dtype=np.int64)
    x, y = p.labels[p.i], p.labels[p.j]
    np.add.at(counts, (x, y), 1)
    np.add.at(counts, (y, x), 1)
    return {"labels": [label_text(c) for c in p.classes], "counts": counts.tolist()}


def _consensus(db: Session, project_id: int, col: ta.Answers) -> dict[str, Any] | None:
    """Annotators' answers (rows) against the stored consensus of their task (columns)."""
    c = table(TaskConsensus).c
    rows = db.execute(
        select(c.task_id, cast(c.result, Text)).where(
            c.project_id == project_id, c.control == col.control.name
        )
    ).all()
    if not rows:
        return None
    pseudo = [{"id": t, "annotations": [{"completed_by": 0, "result": orjson.loads(r)}]} for t, r in rows]
    found = quality.votes_from_tasks(pseudo, col.control.name)
    truth = {t: ta._hashable(v) for t, v in zip(found["task"], found["label"], strict=True)}
    pairs = [(a, truth[t]) for t, a in zip(col.tasks, col.answers, strict=True) if t in truth]
    if not pairs:
        return None
    codes, names = ta.codes([v for pair in pairs for v in pair])
    if len(names) > MAX_LABELS:
        return {"labels": [], "counts": [], "omitted": len(names)}
    counts = np.zeros((len(names), len(names)), dtype=np.int64)
    np.add.at(counts, (codes[0::2], codes[1::2]), 1)
    agree = float(np.trace(counts)) / len(pairs)
    return {"labels": [label_text(n) for n in names], "counts": counts.tolist(), "agreement": _round(agree)}


def _control_report(
    db: Session, project_id: int, col: ta.Answers, p: ta.Pairs, task_ids: list[int], values: npt.NDArray[Any]
) -> dict[str, Any]:
    c = col.control
    exact = c.kind in ta.EXACT_KINDS
    out: dict[str, Any] = {
        "name": c.name,
        "type": c.type,
        "kind": c.kind,
        "metric": _METRICS[c.kind],
        "value": _alpha(col) if exact else _round(float(values.mean())) if len(values) else None,
        "percent_agreement": (_round(float(values.mean())) if len(values) else None) if exact else None,
        "tasks": len(task_ids),
        "pairs": len(p.i),
        "annotations": len(col.tasks),
        "annotators": _people(db, p.workers) if len(p.i) else [],
    }
    if not len(p.i):
        out.update(labels=[], matrix=None, confusion=None, consensus=None)
        return out
    if c.kind in (ta.NOMINAL, ta.ORDINAL, ta.MULTI):
        out["labels"] = _per_label_exact(col, p)
    elif c.kind in ta.REGION_KINDS:
        out["labels"] = _per_label_regions(col, p)
    else:
        out["labels"] = []
    out["matrix"] = _matrix(p)
    classification = c.kind in (ta.NOMINAL, ta.ORDINAL)
    out["confusion"] = _confusion(p) if classification else None
    out["consensus"] = _consensus(db, project_id, col) if classification else None
    return out


def limit_of(raw: Any) -> int:
    """`limit=` of the lowest tasks: 0 to 1000, default 20."""
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 6 or int(text) > MAX_LIMIT:
        raise Invalid(f"limit must be a whole number from 0 to {MAX_LIMIT}", {"limit": ["expected 0..1000"]})
    return int(text)


def report(
    db: Session, project: Project, control: str | None = None, limit: int = DEFAULT_LIMIT
) -> dict[str, Any]:
    """The agreement report (see the module's docstring); `control` narrows it to one control."""
    controls = ta.controls_of(project.label_config)
    if control is not None:
        chosen = [c for c in controls if c.name == control]
        if not chosen:
            names = ", ".join(c.name for c in controls) or "none"
            raise Invalid(
                f"control: no comparable control named {control[:60]!r} (controls: {names})",
                {"control": ["unknown control"]},
            )
        controls = tuple(chosen)
    columns = [ta.Answers(c) for c in controls]
    for batch in ta.votes(db, project.id):
        ta.add_batch(columns, batch)
    parts: list[dict[str, Any]] = []
    per_control: list[tuple[list[int], npt.NDArray[np.float64]]] = []
    for col in (ta.dedupe(c) for c in columns):
        p = ta.compare(col)
        task_ids, values = ta.per_task(p)
        per_control.append((task_ids, values))
        parts.append(_control_report(db, project.id, col, p, task_ids, values))
    per_task = ta.combine(per_control)
    overall = _round(float(np.mean(list(per_task.values())))) if per_task else None
    return {
        "project": project.id,
        "agreement": overall,
        "tasks": len(per_task),
        "controls": parts,
        "lowest_tasks": _lowest(db, per_task, limit),
        "job": job_json(latest_job(db, project.id)),
    }


def _lowest(db: Session, per_task: dict[int, float], limit: int) -> list[dict[str, Any]]:
    if not per_task or limit <= 0:
        return []
    order = sorted(per_task.items(), key=lambda kv: (kv[1], kv[0]))[:limit]
    t = table(Task).c
    inner = dict(db.execute(select(t.id, t.inner_id).where(t.id.in_([k for k, _ in order]))).all())
    return [{"id": k, "inner_id": inner.get(k), "agreement": v} for k, v in order if k in inner]


# ---- the job -------------------------------------------------------------------------------------


def run(ctx: jobs.Context) -> dict[str, Any]:
    """Recompute `tasks.agreement` for every task of the project; progress counts annotations read."""
    from labelwise.db.engine import begin_write

    project_id = int(ctx.params["project_id"])
    with ctx.sessionmaker() as db:
        project = projects.get(db, project_id)
        total, config = project.total_annotations_number, project.label_config
        done = [0]
        ctx.progress(0, total)

        def tick(n: int) -> None:
            done[0] += n
            ctx.progress(done[0], max(total, done[0]))
            ctx.check_cancelled()

        begin_write(db)
        values = ta.recompute(db, project_id, config, tick=tick)
        db.commit()
    ctx.progress(done[0], done[0])
    return {"tasks": len(values)}


jobs.register(KIND, run)


def submit(db: Session, project: Project, user: User) -> Job:
    """Queue a recompute; one at a time per project."""
    running = latest_job(db, project.id)
    if running is not None and running.status in (jobs.QUEUED, jobs.RUNNING):
        raise Conflict(
            f"an agreement recompute of project {project.id} is already under way (job {running.id})"
        )
    return jobs.submit(db, KIND, {"project_id": project.id}, project_id=project.id, user_id=user.id)


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
