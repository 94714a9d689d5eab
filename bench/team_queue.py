#!/usr/bin/env python3
"""A team labeling at once: N annotators asking `next` and submitting, against a fresh server.

    PYTHONPATH=src .venv/bin/python bench/team_queue.py                       # SQLite, one process
    PYTHONPATH=src .venv/bin/python bench/team_queue.py --postgres auto --workers 2
    options: --annotators 50 --seconds 60 --overlap 3 --tasks 20000 --sampling "Sequential sampling"
             --think-ms 0 (the time an annotator spends on a task between `next` and the submit)

Starts `labelwise start` on a fresh data directory (a throwaway PostgreSQL cluster and database
with `--postgres auto`, through bench/pg_cluster.py), makes the annotators members of one project
(overlap 3 by default) straight through the services, then runs them as asyncio tasks (one keep-alive
connection each, bench/http_client.py: httpx cost the client as much CPU as the server) for the given time:
GET /api/projects/{id}/next, think, POST the annotation, again. With `--think-ms 0` the annotators never
pause: a closed loop at the server's saturation, where latency is simply annotators / throughput (Little's
law). With a think time (uniform in 0.5-1.5 times the figure, so annotators drift apart) the run is a team
working at a pace, and the latencies are the ones people would see.
Prints JSON: annotations/s, next and submit p50/p95 (ms, client side), status counts (5xx), the
server's CPU per annotation (its processes and, on PostgreSQL, the database's, also shown apart) and the client's (ms: robust to other load on the machine, unlike rates),
the invariant over the export (every finished task has exactly `overlap` annotations by distinct
annotators and no task has more), plus the machine load (bench/sysload.py).

Label Studio 1.23.2 on this machine (shared/bench): 1.56 annotations/s, next p95 24.7 s, 22
duplicate hand-outs a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from bench import pg_cluster  # noqa: E402
from bench.choices_project import CONFIG, RESULT  # noqa: E402
from bench.http_client import Connection  # noqa: E402
from bench.sysload import LoadMonitor  # noqa: E402


def _port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


class Server:
    """`labelwise start` in a subprocess, on a fresh data directory (and database)."""

    def __init__(self, workers: int, database_url: str | None) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="labelwise-team-"))
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = "bench" + secrets.token_hex(16)
        env = {**os.environ, "PYTHONPATH": os.environ.get("BENCH_EXTRA_PATH", "") + str(REPO / "src")}
        if database_url:
            env["LABELWISE_DATABASE_URL"] = database_url
        self.env = env
        exe = Path(sys.executable).with_name("labelwise")
        args = [str(exe), "start", "--data-dir", str(self.data), "--port", str(self.port)]
        args += ["--workers", str(workers), "--username", "admin@example.com", "--password", "adminpass123"]
        args += ["--user-token", self.token]
        self.log = open(self.data / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit((self.data / "server.log").read_text())
            time.sleep(0.05)
        raise SystemExit("server did not answer /health within 60 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _team(server: Server, pid: int, n: int) -> list[str]:
    """Annotators made members of the project straight through the services (tokens come back)."""
    os.environ.update({k: v for k, v in server.env.items() if k.startswith("LABELWISE_")})
    from labelwise.db.engine import session_scope
    from labelwise.db.models import User
    from labelwise.db.runtime import open_database
    from labelwise.services import members, projects, users
    from labelwise.settings import Settings

    database = open_database(Settings(data_dir=server.data))
    tokens = []
    with session_scope(database.sessionmaker) as db:
        owner = db.query(User).filter(User.email == "admin@example.com").one()
        project = projects.get(db, pid)
        for i in range(n):
            user = users.create(db, f"annotator{i}@example.com", None, "annotator")
            members.add(db, project, owner, user.id, "annotator")
            tokens.append(str(user.token))
    database.engine.dispose()
    return tokens


async def _annotator(url: str, token: str, pid: int, until: float, think: float, out: dict[str, Any]) -> None:
    host, port = url.removeprefix("http://").split(":")
    conn = Connection(host, int(port), {"Authorization": f"Token {token}"})
    body = {"result": RESULT}
    pace = random.Random(token)
    try:
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            r = await conn.request("GET", f"/api/projects/{pid}/next")
            out["next"].append(time.perf_counter() - t0)
            out["status"][f"next {r.status}"] += 1
            if r.status != 200:
                await asyncio.sleep(0.5)
                continue
            if think:
                await asyncio.sleep(think * (0.5 + pace.random()))
            t1 = time.perf_counter()
            s = await conn.request("POST", f"/api/tasks/{r.json()['id']}/annotations", body)
            out["submit"].append(time.perf_counter() - t1)
            out["status"][f"submit {s.status}"] += 1
    finally:
        await conn.close()


def _tree_cpu(root: int) -> float:
    """CPU seconds of `root` and its live descendants, plus what its reaped children used."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])
        own = int(fields[11]) + int(fields[12])
        times[pid] = (own + (int(fields[13]) + int(fields[14]) if pid == root else 0)) / os.sysconf(
            "SC_CLK_TCK"
        )
    total = 0.0
    for pid, spent in times.items():
        p = pid
        while p > 1 and p != root:
            p = parents.get(p, 0)
        if p == root:
            total += spent
    return total


def _invariant(url: str, token: str, pid: int, overlap: int) -> dict[str, Any]:
    r = httpx.get(
        f"{url}/api/projects/{pid}/export",
        params={"exportType": "JSON"},
        headers={"Authorization": f"Token {token}"},
        timeout=600,
    )
    r.raise_for_status()
    finished = over = repeated = partial = 0
    for task in r.json():
        people = [a["completed_by"] for a in task.get("annotations", []) if not a.get("was_cancelled")]
        if len(people) != len(set(people)):
            repeated += 1
        if len(people) > overlap:
            over += 1
        elif len(people) == overlap:
            finished += 1
        elif people:
            partial += 1
    ok = over == 0 and repeated == 0
    return {"finished_tasks": finished, "partial_tasks": partial, "over_overlap": over,
            "same_annotator_twice": repeated, "ok": ok}  # fmt: skip


PG_STAT_OPTIONS = (
    "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all "
    "-c pg_stat_statements.track_planning=on"
)


def _statements(db_url: str, top: int) -> list[dict[str, Any]]:
    """The statements that took the database's time over the run (`--pg-statements N`: the top N by
    execution plus planning time), to find what to cut next."""
    query = sa.text(
        "SELECT calls, round((total_exec_time + total_plan_time)::numeric, 1) AS ms, "
        "round((total_plan_time)::numeric, 1) AS plan_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query "
        "FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT :top"
    )
    with sa.create_engine(db_url).connect() as conn:
        return [
            dict(r._mapping) | {"ms": float(r.ms), "plan_ms": float(r.plan_ms)}
            for r in conn.execute(query, {"top": top})
        ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    cluster: dict[str, Any] | None = None
    db_url = None
    if args.postgres == "auto":
        from tests.support.postgres import start_cluster

        c = start_cluster(PG_STAT_OPTIONS if args.pg_statements else "")
        cluster = {"obj": c}
        db_url = pg_cluster.createdb(c.url)
        if args.pg_statements:
            with sa.create_engine(db_url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(sa.text("CREATE EXTENSION pg_stat_statements"))
    elif args.postgres:
        db_url = pg_cluster.createdb(args.postgres)
    server = Server(args.workers, db_url)
    try:
        admin = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Token {server.token}"}, timeout=600
        )
        body = {
            "title": "team",
            "label_config": CONFIG,
            "maximum_annotations": args.overlap,
            "sampling": args.sampling,
        }
        pid = admin.post("/api/projects", json=body).json()["id"]
        for start in range(0, args.tasks, 10_000):
            items = [{"text": f"task {i}"} for i in range(start, min(args.tasks, start + 10_000))]
            admin.post(f"/api/projects/{pid}/import", json=items).raise_for_status()
        tokens = _team(server, pid, args.annotators)
        out: dict[str, Any] = {"next": [], "submit": [], "status": Counter()}
        roots = [server.proc.pid]
        if cluster is not None:  # the throwaway PostgreSQL's postmaster: its backends do the queries
            roots.append(int((cluster["obj"].root / "data" / "postmaster.pid").read_text().split()[0]))
        monitor = LoadMonitor([os.getpid(), *roots])
        monitor.start()
        cpu0 = [_tree_cpu(r) for r in roots]
        client_cpu0 = time.process_time()
        t0 = time.perf_counter()
        until = t0 + args.seconds
        think = args.think_ms / 1000

        async def main() -> None:
            await asyncio.gather(*(_annotator(server.url, t, pid, until, think, out) for t in tokens))

        try:
            import uvloop

            uvloop.run(main())
        except ImportError:
            asyncio.run(main())
        elapsed = time.perf_counter() - t0
        spent = [_tree_cpu(r) - c for r, c in zip(roots, cpu0, strict=True)]
        server_cpu = sum(spent)
        client_cpu = time.process_time() - client_cpu0
        load = monitor.stop()
        statements = _statements(db_url, args.pg_statements) if db_url and args.pg_statements else None
        created = out["status"]["submit 201"]
        fivexx = sum(v for k, v in out["status"].items() if k.split()[1].startswith("5"))
        return {
            "backend": "postgresql" if db_url else "sqlite",
            "workers": args.workers,
            "annotators": args.annotators,
            "overlap": args.overlap,
            "sampling": args.sampling,
            "tasks": args.tasks,
            "seconds": round(elapsed, 1),
            "annotations": created,
            "think_ms": args.think_ms,
            "annotations_per_s": round(created / elapsed, 1),
            "server_cpu_ms_per_annotation": round(server_cpu / max(created, 1) * 1000, 3),
            "database_cpu_ms_per_annotation": round(spent[1] / max(created, 1) * 1000, 3)
            if len(spent) > 1
            else None,
            "client_cpu_ms_per_annotation": round(client_cpu / max(created, 1) * 1000, 3),
            "next_p50_ms": _pct(out["next"], 0.50),
            "next_p95_ms": _pct(out["next"], 0.95),
            "submit_p50_ms": _pct(out["submit"], 0.50),
            "submit_p95_ms": _pct(out["submit"], 0.95),
            "status": dict(out["status"]),
            "5xx": fivexx,
            "invariant": _invariant(server.url, server.token, pid, args.overlap),
            "load": load,
            **({"statements": statements} if statements is not None else {}),
        }
    finally:
        server.stop()
        if db_url and cluster is None:
            pg_cluster.dropdb(db_url)
        if cluster is not None:
            cluster["obj"].stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--annotators", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--overlap", type=int, default=3)
    p.add_argument("--tasks", type=int, default=20_000)
    p.add_argument("--sampling", default="Sequential sampling")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--think-ms", type=float, default=0.0, help="mean pause between next and submit")
    p.add_argument("--postgres", default="", help="auto (throwaway cluster) or a server URL")
    p.add_argument("--out", default="")
    p.add_argument(
        "--pg-statements", type=int, default=0, help="with --postgres auto: print the top N statements"
    )
    args = p.parse_args()
    result = run(args)
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
