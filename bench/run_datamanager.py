#!/usr/bin/env python3
"""The data manager's task listing on a 1,000,000-task project (SQLite).

    .venv/bin/python bench/run_datamanager.py [--tasks 1000000] [--repeat 50] [--postgres] [--out FILE]

SQLite by default; `--postgres` runs on a throwaway PostgreSQL cluster (bench/pg_cluster.py).

1. Starts `labelwise start` on a free port with a fresh data directory and imports --tasks flat
   text tasks in POSTs of 100,000 (the bulk import path).
2. Marks every third task labeled and every 50th skipped with one SQL UPDATE of the counters
   columns the listing filters on (`is_labeled`, `total_annotations`, `cancelled_annotations`):
   importing 333,333 annotations through the API is not what is measured here, and the data
   manager's status filters read only those columns.
3. Times `GET /api/tasks?project=&page=&page_size=100&fields=task_only&counts=tasks` (what the data
   manager page asks for; the annotation/prediction sums of a filtered selection come in a second
   request, timed as its own case) --repeat times per case: default order, `-tasks:id`, status filters (labeled, not
   labeled: the `(project_id, is_labeled, id)` index; skipped: a counter without an index), a sort
   on a data field (no index) and a saved view; p50/p95/max in ms, client side, body read.
Prints one JSON object and writes it to --out (default bench/out/datamanager-<date>.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
CONFIG = (
    '<View><Text name="text" value="$text"/><Choices name="c" toName="text">'
    '<Choice value="a"/><Choice value="b"/></Choices></View>'
)
TOKEN = "bench-dm-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cluster(*args: str) -> str:
    cmd = [sys.executable, str(REPO / "bench" / "pg_cluster.py"), *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def start(data: Path, database_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELWISE_")}
    if database_url:
        env["LABELWISE_DATABASE_URL"] = database_url
    cmd = [sys.executable, "-m", "labelwise.cli", "start", "--port", str(port), "--data-dir", str(data)]
    cmd += ["--username", "bench@example.com", "--password", "bench-password-1", "--user-token", TOKEN]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if requests.get(url + "/health", timeout=1).ok:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def timed(http: requests.Session, url: str, params: dict[str, object], repeat: int) -> dict[str, object]:
    samples = []
    status = 0
    body: dict[str, object] = {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = http.get(url, params=params)
        _ = r.content
        samples.append((time.perf_counter() - t0) * 1000)
        status = r.status_code
        body = r.json() if r.ok else {}
    samples.sort()
    tasks = body.get("tasks") or []
    return {
        "status": status,
        "n": repeat,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
        "max_ms": round(samples[-1], 2),
        "total": body.get("total"),
        "first_id": tasks[0]["id"] if tasks else None,  # type: ignore[index]
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--postgres", action="store_true")
    args = ap.parse_args()
    data = Path(tempfile.mkdtemp(prefix="labelwise-dm-bench-"))
    pg = json.loads(cluster("start")) if args.postgres else None
    database_url = cluster("createdb", pg["url"]) if pg else None
    proc, url = start(data, database_url)
    backend = "postgres" if pg else "sqlite"
    out: dict[str, object] = {"backend": backend, "tasks": args.tasks, "repeat": args.repeat, "cases": {}}
    try:
        http = requests.Session()
        http.headers["Authorization"] = f"Token {TOKEN}"
        pid = http.post(url + "/api/projects", json={"title": "dm bench", "label_config": CONFIG}).json()[
            "id"
        ]
        t0 = time.perf_counter()
        for start_at in range(0, args.tasks, 100_000):
            n = min(100_000, args.tasks - start_at)
            batch = [{"text": f"task {start_at + i} " + "lorem ipsum dolor sit amet " * 6} for i in range(n)]
            r = http.post(f"{url}/api/projects/{pid}/import", json=batch)
            assert r.status_code == 201, r.text[:300]
        out["import_s"] = round(time.perf_counter() - t0, 1)
        mark_labeled = (
            "UPDATE tasks SET is_labeled = true, total_annotations = 1 WHERE project_id = {p} AND id % 3 = 0"
        )
        mark_skipped = "UPDATE tasks SET cancelled_annotations = 1 WHERE project_id = {p} AND id % 50 = 1"
        if database_url:
            import psycopg

            with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as conn:
                conn.execute(mark_labeled.format(p=int(pid)))
                conn.execute(mark_skipped.format(p=int(pid)))
                conn.commit()
                conn.autocommit = True
                conn.execute("VACUUM ANALYZE tasks")  # what autovacuum does after a bulk load
        else:
            with sqlite3.connect(data / "labelwise.sqlite3", timeout=60) as db:
                db.execute(mark_labeled.format(p=int(pid)).replace("true", "1"))
                db.execute(mark_skipped.format(p=int(pid)))
        view = http.post(
            url + "/api/dm/views",
            json={"project": pid, "data": {"title": "not labeled, newest first", "ordering": ["-tasks:id"],
                  "filters": {"conjunction": "and", "items": [
                      {"filter": "filter:tasks:is_labeled", "operator": "equal", "type": "Boolean", "value": False}]}}},
        ).json()  # fmt: skip
        labeled = {"filter": "filter:tasks:is_labeled", "operator": "equal", "type": "Boolean", "value": True}
        unlabeled = {**labeled, "value": False}
        skipped = {
            "filter": "filter:tasks:cancelled_annotations",
            "operator": "greater",
            "type": "Number",
            "value": 0,
        }

        def q(items: list[dict[str, object]] | None = None, ordering: list[str] | None = None) -> str:
            body: dict[str, object] = {}
            if items:
                body["filters"] = {"conjunction": "and", "items": items}
            if ordering:
                body["ordering"] = ordering
            return json.dumps(body)

        last = (args.tasks + 99) // 100
        cases: list[tuple[str, dict[str, object], int]] = []
        for page in (1, last // 2, last):
            cases.append((f"default page {page}", {"page": page}, args.repeat))
            cases.append(
                (f"-tasks:id page {page}", {"page": page, "query": q(ordering=["-tasks:id"])}, args.repeat)
            )
        n_unlabeled = args.tasks - args.tasks // 3
        for page in (1, n_unlabeled // 200, n_unlabeled // 100):
            cases.append((f"not labeled page {page}", {"page": page, "query": q([unlabeled])}, args.repeat))
            cases.append(
                (f"view (not labeled, -id) page {page}", {"page": page, "view": view["id"]}, args.repeat)
            )
        for page in (2, n_unlabeled // 200, n_unlabeled // 100):
            turn = {"page": page, "query": q([unlabeled]), "counts": "none"}
            cases.append((f"not labeled, page turn (counts=none) page {page}", turn, args.repeat))
        for page in (1, args.tasks // 3 // 100):
            cases.append((f"labeled page {page}", {"page": page, "query": q([labeled])}, args.repeat))
        cases.append(("skipped page 1 (no index)", {"page": 1, "query": q([skipped])}, 5))
        cases.append(
            ("sort by data.text page 1 (no index)", {"page": 1, "query": q(ordering=["tasks:data.text"])}, 3)
        )
        cases.append(
            ("not labeled sums (counts=all)", {"page": 1, "query": q([unlabeled]), "counts": "all"}, 10)
        )
        contains = {
            "filter": "filter:tasks:data.text",
            "operator": "contains",
            "type": "String",
            "value": "task 99999",
        }
        cases.append(("data.text contains page 1 (scan)", {"page": 1, "query": q([contains])}, 3))
        results: dict[str, object] = {}
        for name, params, repeat in cases:
            params = {"project": pid, "page_size": 100, "fields": "task_only", "counts": "tasks", **params}
            results[name] = timed(http, url + "/api/tasks", params, repeat)
            print(name, results[name], file=sys.stderr)
        out["cases"] = results
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)
        if pg:
            cluster("stop", pg["root"], pg["pg_ctl"], "1" if pg["as_postgres"] else "0")
    path = args.out or REPO / "bench" / "out" / f"datamanager-{backend}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
