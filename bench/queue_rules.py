#!/usr/bin/env python3
"""`queue.next_task` per sampling mode on a big project, straight on the services (no HTTP).

    PYTHONPATH=src .venv/bin/python bench/queue_rules.py [--tasks 1000000] [--calls 2000] [--postgres auto|URL]

Makes one project per sampling mode (sequential, uniform, uncertainty; overlap 3) with N tasks
written by one INSERT ... SELECT (and one prediction with a random score per task for uncertainty),
20 annotators as members, then cycles through them: next_task, then an annotation on the task
handed out (so tasks in progress pile up as in real work). Prints p50/p95/max of next_task in ms
per mode: how the rules' index walks hold up at a million tasks.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from bench.choices_project import CONFIG, RESULT  # noqa: E402
from sqlalchemy import text  # noqa: E402

from labelwise.db import migrate  # noqa: E402
from labelwise.db.engine import make_engine, make_sessionmaker  # noqa: E402
from labelwise.services import annotations, members, projects, queue, users  # noqa: E402

SAMPLINGS = ("Sequential sampling", "Uniform sampling", "Uncertainty sampling")


def _fill(db: Any, pid: int, n: int, scored: bool) -> None:
    dialect = db.get_bind().dialect.name
    numbers = (
        f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s"
        if dialect == "sqlite"
        else f"SELECT generate_series(1, {n}) AS i"
    )
    now = "CURRENT_TIMESTAMP"
    db.execute(
        text(
            "INSERT INTO tasks (project_id, inner_id, data, meta, created_at, updated_at, is_labeled, "
            "total_annotations, cancelled_annotations, total_predictions, reviews_accepted, reviews_rejected) "
            f"SELECT {pid}, i, '{{\"text\": \"task\"}}', '{{}}', {now}, {now}, false, 0, 0, "
            f"{1 if scored else 0}, 0, 0 FROM ({numbers}) AS g"
        )
    )
    if scored:
        rnd = "abs(random()) / 9223372036854775807.0" if dialect == "sqlite" else "random()"
        db.execute(
            text(
                "INSERT INTO predictions (task_id, project_id, result, score, model_version, mislabeling, "
                f"created_at, updated_at) SELECT id, {pid}, '[]', {rnd}, 'm', 0, {now}, {now} "
                f"FROM tasks WHERE project_id = {pid}"
            )
        )
    db.execute(text(f"UPDATE projects SET task_number = {n}, last_inner_id = {n} WHERE id = {pid}"))
    db.commit()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasks", type=int, default=1_000_000)
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--postgres", default="")
    args = p.parse_args()
    cluster = None
    if args.postgres:
        from bench import pg_cluster

        if args.postgres == "auto":
            from tests.support.postgres import start_cluster

            cluster = start_cluster()
            url = pg_cluster.createdb(cluster.url)
        else:
            url = pg_cluster.createdb(args.postgres)
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='labelwise-queue-')}/queue.sqlite3"
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_sessionmaker(engine)
    out: dict[str, Any] = {"backend": engine.dialect.name, "tasks": args.tasks, "calls": args.calls}
    try:
        with factory() as db:
            owner = users.create(db, "owner@example.com", None, "owner")
            people = [users.create(db, f"a{i}@example.com", None, "annotator") for i in range(20)]
            for sampling in SAMPLINGS:
                project = projects.create(
                    db,
                    owner,
                    {
                        "title": sampling,
                        "label_config": CONFIG,
                        "maximum_annotations": 3,
                        "sampling": sampling,
                    },
                )
                for u in people:
                    members.add(db, project, owner, u.id, "annotator")
                t0 = time.perf_counter()
                _fill(db, project.id, args.tasks, sampling == "Uncertainty sampling")
                fill_s = time.perf_counter() - t0
                if engine.dialect.name == "postgresql":
                    db.execute(text("ANALYZE"))
                    db.commit()
                times: list[float] = []
                for k in range(args.calls):
                    user = people[k % len(people)]
                    t1 = time.perf_counter()
                    tid = queue.next_task(db, project, user, 300)
                    times.append(time.perf_counter() - t1)
                    if tid is not None:
                        annotations.create(db, annotations.target(db, tid), user, {"result": RESULT})
                out[sampling] = {
                    "fill_s": round(fill_s, 1),
                    "next_p50_ms": _pct(times, 0.5),
                    "next_p95_ms": _pct(times, 0.95),
                    "next_max_ms": _pct(times, 1.0),
                }
                print(sampling, out[sampling], file=sys.stderr)
    finally:
        engine.dispose()
        if cluster is not None:
            cluster.stop()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
