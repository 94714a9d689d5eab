#!/usr/bin/env python3
"""Cold start of `labelwise start`: process spawn to the first 200 from /health.

Two series, N runs each (default 5):
  fresh     a new empty data directory every run (migrations from scratch, admin created)
  migrated  one data directory migrated by a first, untimed start, reused for every run

Each run spawns `.venv/bin/labelwise start --data-dir D --port P --username ... --password ...
--user-token ...` (`--no-admin` leaves out the admin options), polls GET /health every 10 ms with a
new connection each time, records the time of the first 200, the time the "Serving at" line appeared
on stdout (migrations and admin setup done, uvicorn not yet importing the app), and the server's
RSS once healthy, then stops it with SIGTERM (SIGKILL after 10 s).

With --postgres URL|auto each fresh run gets a new empty database in that cluster (auto: a throwaway
cluster through bench/pg_cluster.py); the migrated series reuses one database.

    .venv/bin/python bench/startup.py [-n 5] [--postgres auto] [--out bench/out/startup.json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from sysload import LoadMonitor, tree_mem_kib  # noqa: E402

LW = str(REPO / ".venv" / "bin" / "labelwise")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def health_ok(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def rss_mib(pid: int) -> float:
    """Resident memory of the server and its worker processes."""
    return round(tree_mem_kib(pid)[0] / 1024, 1)


def one_start(data_dir: str, env: dict, admin: bool, timeout: float, workers: int) -> dict:
    port = free_port()
    cmd = [LW, "start", "--data-dir", data_dir, "--port", str(port)]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    if admin:
        cmd += [
            "--username",
            "admin@example.com",
            "--password",
            "adminpass123",
            "--user-token",
            "startup-token",
        ]
    serving_at: list[float] = []
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "Serving at" in line and not serving_at:
                serving_at.append(time.perf_counter() - t0)
            log.append(line)

    log: list[str] = []
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    rec: dict = {}
    deadline = t0 + timeout
    try:
        while time.perf_counter() < deadline:
            if health_ok(port):
                rec["health_s"] = round(time.perf_counter() - t0, 3)
                break
            if proc.poll() is not None:
                rec["error"] = f"exited with {proc.returncode}"
                break
            time.sleep(0.01)
        else:
            rec["error"] = f"no /health 200 within {timeout} s"
        rec["serving_line_s"] = round(serving_at[0], 3) if serving_at else None
        if "health_s" in rec:
            rec["rss_mib"] = rss_mib(proc.pid)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        th.join(2)
    if "error" in rec:
        rec["log_tail"] = "".join(log)[-1500:]
    return rec


def summary(runs: list[dict]) -> dict:
    ok = [r["health_s"] for r in runs if "health_s" in r]
    srv = [r["serving_line_s"] for r in runs if r.get("serving_line_s") is not None]
    out: dict = {"runs": len(runs), "ok": len(ok)}
    if ok:
        out.update(p50_s=round(statistics.median(ok), 3), max_s=max(ok), min_s=min(ok))
    if srv:
        out["serving_line_p50_s"] = round(statistics.median(srv), 3)
    rss = [r["rss_mib"] for r in runs if "rss_mib" in r]
    if rss:
        out["rss_mib_p50"] = statistics.median(rss)
    out["each"] = runs
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--runs", type=int, default=5)
    ap.add_argument("--postgres", default=None, help="URL of a PostgreSQL cluster, or 'auto'")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument(
        "--no-admin", action="store_true", help="start without --username/--password/--user-token"
    )
    ap.add_argument("--timeout", type=float, default=60.0, help="per start")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()

    import pg_cluster  # bench/pg_cluster.py

    cluster = None
    pg_url = a.postgres
    if a.postgres == "auto":
        from tests.support.postgres import start_cluster

        cluster = start_cluster()
        pg_url = cluster.url
    created: list[str] = []
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("LABELWISE_")}
    mon = LoadMonitor([os.getpid()])
    if cluster is not None:
        pid_file = cluster.root / "data" / "postmaster.pid"
        if pid_file.exists():
            mon.add_root(int(pid_file.read_text().split()[0]))
    mon.start()
    tmp = Path(tempfile.mkdtemp(prefix="labelwise-startup-"))
    res: dict = {"backend": "postgres" if pg_url else "sqlite", "admin": not a.no_admin, "workers": a.workers}
    try:
        fresh = []
        for i in range(a.runs):
            env = dict(base_env)
            if pg_url:
                db = pg_cluster.createdb(pg_url)
                created.append(db)
                env["LABELWISE_DATABASE_URL"] = db
            rec = one_start(str(tmp / f"fresh-{i}"), env, not a.no_admin, a.timeout, a.workers)
            print(f"fresh {i}: {rec}", file=sys.stderr)
            fresh.append(rec)
        res["fresh"] = summary(fresh)

        env = dict(base_env)
        if pg_url:
            db = pg_cluster.createdb(pg_url)
            created.append(db)
            env["LABELWISE_DATABASE_URL"] = db
        warm_dir = str(tmp / "migrated")
        first = one_start(warm_dir, env, not a.no_admin, a.timeout, a.workers)  # migrates; not counted
        res["migrated_first_start_untimed"] = first
        migrated = []
        for i in range(a.runs):
            rec = one_start(warm_dir, env, not a.no_admin, a.timeout, a.workers)
            print(f"migrated {i}: {rec}", file=sys.stderr)
            migrated.append(rec)
        res["migrated"] = summary(migrated)
    finally:
        res["machine_load"] = mon.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        if pg_url and cluster is None:
            for db in created:
                pg_cluster.dropdb(db)
        if cluster is not None:
            cluster.stop()
    text = json.dumps(res, indent=1)
    if a.out:
        Path(a.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
