"""Consensus of the controls whose answers are not one label from a set: spans, rectangles, texts, numbers.

Identical results rarely happen for these (two people never draw the same box to the hundredth of a percent),
so a majority of identical results says little; `services.consensus` hands them here instead. Each
annotation is one answer per (task, annotator), an empty one too for regions (an annotator who marked
nothing voted "nothing here"), and the control's estimator from `labelwise.quality` turns a task's answers
into one: `SpanVote` for Labels on a Text (tokens of the task's text), `BoxVote` for RectangleLabels,
`ROVER` for TextArea, `RatingAggregator` (mean or median) for Rating and Number. The consensus is written
back in Label Studio's result format with a `score` per region, and an annotator's skill is how close their
answers come to it (region F1 at IoU 0.5, text similarity, closeness on the scale).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from labelwise import labeling, quality
from labelwise.db.base import table
from labelwise.db.models import Task
from labelwise.quality import regions
from labelwise.quality.aggregation.answers import Box, Span

# method -> (kind of answer it aggregates, title in the settings page)
REGION_METHODS = {
    "span": ("spans", "Token vote of spans"),
    "box": ("boxes", "Box clusters by overlap"),
    "rover": ("texts", "ROVER (word alignment)"),
    "mean": ("ratings", "Mean"),
    "median": ("ratings", "Median"),
}
_RESULT_TYPES = {"spans": "labels", "boxes": "rectanglelabels", "texts": "textarea"}
_IMAGE_KEYS = ("original_width", "original_height", "image_rotation")
BATCH = 1000


def kind_of(control: labeling.ControlTag, schema: labeling.Schema | None) -> str | None:
    """`spans`, `boxes`, `texts`, `ratings`, or None for a control aggregated as categorical labels.
    Per-region controls describe regions, not the task, and stay categorical."""
    kind = {"rectanglelabels": "boxes", "textarea": "texts", "rating": "ratings", "number": "ratings"}.get(
        control.type.lower()
    )
    if control.per_region:
        return None
    if control.type.lower() == "labels" and schema is not None:
        objects = [schema.objects.get(name) for name in control.to_name]
        return "spans" if objects and all(o is not None and o.tag == "Text" for o in objects) else None
    return kind


@dataclass
class RegionControl:
    """Answers of one control, collected batch by batch as (task, annotator, answer)."""

    name: str
    kind: str
    method: str
    control: labeling.ControlTag
    tasks: list[int] = field(default_factory=list)
    workers: list[int] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)
    marked: set[int] = field(default_factory=set)  # tasks where somebody drew a region
    image: dict[int, dict[str, Any]] = field(default_factory=dict)  # task -> original size of the image

    def add(self, task: int, worker: int, result: list[dict[str, Any]]) -> None:
        items = [x for x in result if isinstance(x, dict) and x.get("from_name") == self.name]
        answer = self._answer(task, items)
        if answer is None:
            return
        self.tasks.append(task)
        self.workers.append(worker)
        self.answers.append(answer)

    def _answer(self, task: int, items: list[dict[str, Any]]) -> Any:
        values: list[dict[str, Any]] = [x["value"] for x in items if isinstance(x.get("value"), dict)]
        if self.kind == "spans":
            spans = [_span(v) for v in values]
            found = [s for s in spans if s is not None]
            if found:
                self.marked.add(task)
            return found
        if self.kind == "boxes":
            boxes = [_box(v) for v in values]
            found_boxes = [b for b in boxes if b is not None]
            if found_boxes:
                self.marked.add(task)
                first = next(x for x in items if isinstance(x.get("value"), dict))
                self.image.setdefault(task, {k: first[k] for k in _IMAGE_KEYS if k in first})
            return found_boxes
        if self.kind == "texts":
            for v in values:
                text = v.get("text")
                if isinstance(text, list):
                    return "\n".join(str(t) for t in text)
                if isinstance(text, str):
                    return text
            return None
        for v in values:  # ratings
            number = v.get("rating" if self.control.type.lower() == "rating" else "number")
            if isinstance(number, int | float) and not isinstance(number, bool) and math.isfinite(number):
                return float(number)
        return None


@dataclass(frozen=True)
class Agreed:
    task: int
    result: list[dict[str, Any]]
    confidence: float


def text_keys(controls: Iterable[RegionControl], schema: labeling.Schema) -> dict[str, str]:
    """Control name -> the task data key of the text its spans are on."""
    out = {}
    for c in controls:
        if c.kind == "spans" and c.control.to_name:
            key = schema.objects[c.control.to_name[0]].value_key
            if key:
                out[c.name] = key
    return out


def task_texts(db: Session, task_ids: Iterable[int], keys: Iterable[str]) -> dict[tuple[int, str], str]:
    """(task, data key) -> the text, for the tasks whose spans are voted (in IN batches)."""
    wanted, ids = set(keys), sorted(set(task_ids))
    t = table(Task).c
    out: dict[tuple[int, str], str] = {}
    for i in range(0, len(ids), BATCH):
        rows = db.execute(select(t.id, cast(t.data, Text)).where(t.id.in_(ids[i : i + BATCH])))
        for task_id, data in rows:
            loaded = orjson.loads(data or "{}")
            for key in wanted:
                value = loaded.get(key) if isinstance(loaded, dict) else None
                if isinstance(value, str):
                    out[(task_id, key)] = value
    return out


def fit(c: RegionControl, texts: Mapping[int, str]) -> tuple[list[Agreed], list[tuple[int, float, int]]]:
    """The consensus per task and (annotator, skill, answers) per annotator of one control."""
    keep = _kept(c)
    if not keep.any():
        return [], []
    tasks = np.asarray(c.tasks)[keep]
    workers = np.asarray(c.workers)[keep]
    answers = [a for a, k in zip(c.answers, keep.tolist(), strict=True) if k]
    if c.kind == "ratings":
        return _ratings(c, tasks, workers, answers)
    data = (tasks, workers, answers)
    model: Any
    if c.kind == "spans":
        model = quality.SpanVote().fit(data, texts={t: texts[t] for t in set(tasks.tolist()) if t in texts})
        agreed = model.span_values_
    elif c.kind == "boxes":
        model = quality.BoxVote().fit(data)
        agreed = model.box_values_
    else:
        model = quality.ROVER().fit(data)
        agreed = model.text_values_
    task_ids = model.answers_.tasks.tolist()
    scores = model.score_values_ if c.kind != "texts" else [None] * len(task_ids)
    out = [
        Agreed(int(t), _result(c, int(t), a, s, texts.get(int(t))), float(p))
        for t, a, s, p in zip(task_ids, agreed, scores, model.confidence_values_.tolist(), strict=True)
    ]
    by_task = dict(zip(task_ids, agreed, strict=True))
    closeness = [
        _closeness(c.kind, answer, by_task[t]) for t, answer in zip(tasks.tolist(), answers, strict=True)
    ]
    return out, _per_worker(workers, np.asarray(closeness))


def _kept(c: RegionControl) -> npt.NDArray[Any]:
    """Regions: only the tasks where somebody drew one (nobody marking anything gives no consensus row)."""
    if c.kind in ("spans", "boxes"):
        return np.asarray([t in c.marked for t in c.tasks], dtype=bool)
    return np.ones(len(c.tasks), dtype=bool)


def _ratings(
    c: RegionControl, tasks: npt.NDArray[Any], workers: npt.NDArray[Any], answers: list[Any]
) -> tuple[list[Agreed], list[tuple[int, float, int]]]:
    scale = None
    if c.control.type.lower() == "rating":
        scale = float(max((c.control.max_rating or 5) - 1, 1))
    elif c.control.min is not None and c.control.max is not None and c.control.max > c.control.min:
        scale = float(c.control.max - c.control.min)
    model = quality.RatingAggregator(method=c.method, scale=scale).fit((tasks, workers, np.asarray(answers)))
    out = []
    for t, value, p in zip(
        model.tasks_.tolist(), model.label_values_.tolist(), model.confidence_values_.tolist(), strict=True
    ):
        out.append(Agreed(int(t), _result(c, int(t), value, None, None), float(p)))
    counts = np.bincount(model.votes_.worker, minlength=model.votes_.n_workers).tolist()
    skills = [
        (int(w), float(s), int(n))
        for w, s, n in zip(model.votes_.workers.tolist(), model.skill_values_.tolist(), counts, strict=True)
    ]
    return out, skills


def _result(
    c: RegionControl, task: int, agreed: Any, scores: list[float] | None, text: str | None
) -> list[dict[str, Any]]:
    base = {"from_name": c.name, "to_name": c.control.to_name[0] if c.control.to_name else "", "type": ""}
    if c.kind == "spans":
        items = []
        for span, score in zip(agreed, scores or [], strict=True):
            value: dict[str, Any] = {"start": span.start, "end": span.end}
            if text is not None:
                value["text"] = text[span.start : span.end]
            value["labels"] = list(span.label)
            items.append({**base, "type": "labels", "value": value, "score": round(score, 6)})
        return items
    if c.kind == "boxes":
        return [
            {
                **base,
                **c.image.get(task, {}),
                "type": "rectanglelabels",
                "value": {
                    "x": b.x, "y": b.y, "width": b.width, "height": b.height, "rotation": 0,
                    "rectanglelabels": list(b.label),
                },
                "score": round(score, 6),
            }
            for b, score in zip(agreed, scores or [], strict=True)
        ]  # fmt: skip
    if c.kind == "texts":
        return [{**base, "type": "textarea", "value": {"text": [agreed]}}]
    if c.control.type.lower() == "rating":
        return [{**base, "type": "rating", "value": {"rating": math.floor(float(agreed) + 0.5)}}]
    return [{**base, "type": "number", "value": {"number": float(agreed)}}]


def _closeness(kind: str, answer: Any, agreed: Any) -> float:
    if kind == "spans":
        return regions.span_f1(
            [(s.start, s.end, s.label) for s in answer], [(s.start, s.end, s.label) for s in agreed]
        )
    if kind == "boxes":
        return regions.box_f1([(b[:4], b.label) for b in answer], [(b[:4], b.label) for b in agreed])
    return regions.text_similarity(answer, agreed)


def _per_worker(workers: npt.NDArray[Any], closeness: npt.NDArray[Any]) -> list[tuple[int, float, int]]:
    ids, codes = np.unique(workers, return_inverse=True)
    sums = np.bincount(codes, weights=closeness, minlength=len(ids))
    counts = np.bincount(codes, minlength=len(ids))
    return [
        (int(w), float(s / n), int(n))
        for w, s, n in zip(ids.tolist(), sums.tolist(), counts.tolist(), strict=True)
    ]


def _span(value: Mapping[str, Any]) -> Span | None:
    start, end, labels = value.get("start"), value.get("end"), value.get("labels")
    if (
        not isinstance(start, int)
        or not isinstance(end, int)
        or isinstance(start, bool)
        or not 0 <= start < end
    ):
        return None
    if not isinstance(labels, list) or not labels:
        return None
    return Span(start, end, tuple(sorted(str(x) for x in labels)))


def _box(value: Mapping[str, Any]) -> Box | None:
    numbers = [value.get(k) for k in ("x", "y", "width", "height")]
    labels = value.get("rectanglelabels")
    if not all(isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n) for n in numbers):
        return None
    x, y, w, h = (float(n) for n in numbers)  # type: ignore[arg-type]
    if w <= 0 or h <= 0 or not isinstance(labels, list) or not labels:
        return None
    return Box(x, y, w, h, tuple(sorted(str(v) for v in labels)))
