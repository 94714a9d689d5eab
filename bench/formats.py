#!/usr/bin/env python3
"""Import by file format: one upload per format and size into a fresh project each.

    .venv/bin/python bench/formats.py --url URL --token TOKEN [--server-pid PID] [--sizes 100000,1000000]
        [--formats json,jsonl,csv,parquet] [--out FILE]

Files are generated once per size into a temporary directory (tasks of ~200 characters, as the
harness makes them), then each is POSTed as multipart to /api/projects/{id}/import. Per upload:
file size, seconds until the 201 (upload included), tasks per second, and the server's RSS peak
(VmRSS of --server-pid and its children, sampled every 0.1 s).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sysload import LoadMonitor, tree_mem_kib

CONFIG = (
    '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">'
    '<Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/></Choices></View>'
)
WORDS = [
    "the",
    "product",
    "arrived",
    "late",
    "but",
    "works",
    "great",
    "battery",
    "life",
    "is",
    "long",
    "delivery",
    "was",
    "slow",
    "support",
    "helpful",
]


def texts(n: int) -> list[str]:
    return [
        f"review {i:07d}: " + " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(30))[:190]
        for i in range(n)
    ]


def write_files(folder: Path, n: int, formats: list[str]) -> dict[str, Path]:
    rows = texts(n)
    out: dict[str, Path] = {}
    if "json" in formats:
        out["json"] = folder / f"tasks-{n}.json"
        out["json"].write_text(json.dumps([{"text": t} for t in rows]))
    if "jsonl" in formats:
        out["jsonl"] = folder / f"tasks-{n}.jsonl"
        with out["jsonl"].open("w") as f:
            f.writelines(json.dumps({"text": t}) + "\n" for t in rows)
    if "csv" in formats:
        out["csv"] = folder / f"tasks-{n}.csv"
        with out["csv"].open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["text"])
            w.writerows([t] for t in rows)
    if "parquet" in formats:
        import pyarrow as pa
        import pyarrow.parquet as pq

        out["parquet"] = folder / f"tasks-{n}.parquet"
        pq.write_table(pa.table({"text": rows}), out["parquet"], row_group_size=50_000)
    return out


class Peak(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.halt = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.peak = max(self.peak, tree_mem_kib(self.pid)[0])
            time.sleep(0.1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--server-pid", type=int, default=0)
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--formats", default="json,jsonl,csv,parquet")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    s = requests.Session()
    s.headers["Authorization"] = f"Token {a.token}"
    formats = [f for f in a.formats.split(",") if f]
    mon = LoadMonitor([os.getpid(), a.server_pid])
    mon.start()
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in a.sizes.split(",") if x]:
            files = write_files(Path(tmp), n, formats)
            for fmt, path in files.items():
                pid = s.post(
                    f"{a.url}/api/projects/", json={"title": f"{fmt} {n}", "label_config": CONFIG}
                ).json()["id"]
                peak = Peak(a.server_pid) if a.server_pid else None
                if peak:
                    peak.start()
                t0 = time.perf_counter()
                with path.open("rb") as fh:
                    r = s.post(
                        f"{a.url}/api/projects/{pid}/import", files={"file": (path.name, fh)}, timeout=3600
                    )
                seconds = time.perf_counter() - t0
                if peak:
                    peak.halt.set()
                    peak.join()
                entry = {
                    "http_status": r.status_code,
                    "task_count": r.json().get("task_count") if r.ok else r.text[:200],
                    "file_mib": round(path.stat().st_size / (1 << 20), 1),
                    "seconds": round(seconds, 2),
                    "tasks_per_s": round(n / seconds),
                    "server_rss_peak_mib": round(peak.peak / 1024, 1) if peak else None,
                }
                results[f"{fmt}_{n}"] = entry
                print(f"[{time.strftime('%H:%M:%S')}] {fmt} {n}: {entry}", file=sys.stderr, flush=True)
                path.unlink()
    report = {"imports": results, "machine_load": mon.stop()}
    text = json.dumps(report, indent=1)
    print(text)
    if a.out:
        Path(a.out).write_text(text)


if __name__ == "__main__":
    main()
