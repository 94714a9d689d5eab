#!/usr/bin/env python3
"""How long the orphan check of a config change takes, and how much memory it needs, on a big project.

    .venv/bin/python bench/config_change.py [--annotations 1000000] [--batch 2000]

Builds a throwaway SQLite database (migrated as at start), one NER project with --annotations annotations
(two spans each, PER + LOC, or PER + MISC on every 100th; written with Core executemany, untimed), then times `config_change.orphans` for
  keep     a change that keeps every label (adds one): the schema comparison alone, no scan
  drop     changes that drop a label: LOC (used by 99 % of the annotations: the scan parses nearly all),
           MISC (1 %: the LIKE pre-filter hands over only those), ORG (unused: the pre-filter finds none)
and reports seconds and the growth of the process's peak RSS during each (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from labelwise.db import migrate
from labelwise.db.engine import make_engine
from labelwise.db.models import Annotation, Project, Task
from labelwise.labeling import get_template, parse_config
from labelwise.services import config_change

TEXT = "Ada Lovelace worked with Charles Babbage in London on the Analytical Engine."


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(db: Session, n: int) -> Project:
    config = get_template("named_entity_recognition").config
    project = Project(title="bench", label_config=config, settings={})
    db.add(project)
    db.flush()
    step = 50_000
    for first in range(0, n, step):
        count = min(step, n - first)
        tasks = [
            {"project_id": project.id, "inner_id": first + i + 1, "data": {"text": TEXT}}
            for i in range(count)
        ]
        ids = db.scalars(insert(Task).returning(Task.id), tasks).all()
        spans = [
            {"id": "a", "from_name": "label", "to_name": "text", "type": "labels",
             "value": {"start": 0, "end": 12, "text": TEXT[:12], "labels": ["PER"]}},
            {"id": "b", "from_name": "label", "to_name": "text", "type": "labels",
             "value": {"start": 44, "end": 50, "text": TEXT[44:50], "labels": ["LOC"]}},
        ]  # fmt: skip
        rare = [spans[0], {**spans[1], "value": {**spans[1]["value"], "labels": ["MISC"]}}]
        rows = [
            {"task_id": t, "project_id": project.id, "unique_id": str(uuid.uuid4()),
             "result": rare if t % 100 == 0 else spans}
            for t in ids
        ]  # fmt: skip
        db.execute(insert(Annotation), rows)
    project.task_number = n
    project.total_annotations_number = n
    project.num_tasks_with_annotations = n
    db.commit()
    return project


def timed(db: Session, project: Project, config: str) -> dict[str, float | int]:
    schema = parse_config(config)
    before = _rss_mib()
    start = time.perf_counter()
    found = config_change.orphans(db, project, schema)
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 3),
        "orphans": len(found),
        "rss_growth_mib": round(_rss_mib() - before, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=config_change.BATCH)
    args = parser.parse_args()
    config_change.BATCH = args.batch
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        migrate.upgrade(engine)
        with Session(engine) as db:
            t0 = time.perf_counter()
            project = build(db, args.annotations)
            setup = time.perf_counter() - t0
            config = project.label_config
            keep = timed(
                db,
                project,
                config.replace('<Label value="MISC"', '<Label value="EVENT"/><Label value="MISC"'),
            )
            drops = {
                label: timed(
                    db, project, "\n".join(x for x in config.split("\n") if f'value="{label}"' not in x)
                )
                for label in ("LOC", "MISC", "ORG")
            }
        engine.dispose()
    out = {
        "annotations": args.annotations,
        "batch": args.batch,
        "setup_s": round(setup, 1),
        "keep": keep,
        "drop": drops,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
