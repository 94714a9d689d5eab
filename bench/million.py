#!/usr/bin/env python3
"""The 1,000,000-task project: import in batches, then the hot endpoints on it.

Against a running server (loopback only):

    .venv/bin/python bench/million.py --url http://127.0.0.1:PORT --token TOKEN \
        [--server-pid PID] [--data-dir DIR] [--project-id ID] [--out FILE]

1. Creates a text-classification project and imports --tasks (1,000,000) tasks of ~200 characters in
   POSTs of --batch (100,000) to /api/projects/{id}/import. Each batch is generated just before its
   POST and dropped after it, so the client's memory stays bounded. Per batch: seconds for the POST,
   HTTP status, the server's RSS (VmRSS of --server-pid and its children, sampled every 0.1 s: peak
   during the batch and after it). Skipped with --project-id (reuse an existing large project).
2. With one persistent requests.Session, on that project:
     next_task           GET /api/projects/{id}/next/ x200, same user, nothing submitted in between
     next_then_submit    GET next -> POST /api/tasks/{tid}/annotations/ x300 (both latencies)
     task_page_P         GET /api/tasks?project=ID&page=P&page_size=100 for P = 1 (x100),
                         5000 (x50), 10000 (x50, the last page of 1M)
     annotation_create   POST /api/tasks/{tid}/annotations/ x1000 on distinct, unannotated tasks
                         (ids read untimed from pages 2001.. of the task list)
     get_project         GET /api/projects/{id}/ x100
     exports             GET /api/projects/{id}/export?exportType=F&download_all_tasks=true for each
                         format of --export-formats (JSON, CSV, JSONL, PARQUET by default): seconds,
                         tasks per second, bytes, and the server's RSS peak while it streams
   Latencies: p50/p95/p99/max/mean in milliseconds, client-side, body fully read.
3. Prints one JSON object with all figures and writes it to --out
   (default bench/out/million-<sqlite|server>-<date>.json).

Every loop is bounded by its count and by --phase-timeout seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

try:
    import orjson

    def dumps(obj: object) -> bytes:
        return orjson.dumps(obj)
except ImportError:  # pragma: no cover

    def dumps(obj: object) -> bytes:
        return json.dumps(obj).encode()


REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from sysload import LoadMonitor, tree_mem_kib  # noqa: E402

CONFIG = (
    '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">'
    '<Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/></Choices></View>'
)
LABELS = ("positive", "negative", "neutral")
_VOCAB_TEXT = (
    "order shipped arrived late early box damaged intact colour size fits small large cheap pricey "
    "staff polite rude helpful slow fast app crashes works fine update broke login screen battery lasts "
    "dies sound loud quiet clear muffled taste fresh stale portion room clean dirty view noisy calm bed "
    "comfortable hard checkout easy confusing refund issued denied again never always sometimes really"
)
VOCAB = _VOCAB_TEXT.split()


# --------------------------------------------------------------------------- helpers


def texts_for(start: int, count: int, seed: int, length: int) -> list[str]:
    """Texts for tasks start..start+count-1; the same (seed, index range) gives the same texts."""
    rng = random.Random(seed * 1_000_003 + start)
    out = []
    for i in range(start, start + count):
        parts = [f"item {i:07d}:"]
        size = len(parts[0])
        while size < length:
            w = VOCAB[rng.randrange(len(VOCAB))]
            parts.append(w)
            size += len(w) + 1
        out.append(" ".join(parts)[:length])
    return out


def percentile(sorted_vals: list[float], p: float) -> float:
    k = (len(sorted_vals) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def latency(values_s: list[float]) -> dict:
    if not values_s:
        return {"n": 0}
    s = sorted(values_s)
    ms = lambda v: round(v * 1000, 2)  # noqa: E731
    return {
        "n": len(s),
        "p50_ms": ms(percentile(s, 50)),
        "p95_ms": ms(percentile(s, 95)),
        "p99_ms": ms(percentile(s, 99)),
        "max_ms": ms(s[-1]),
        "mean_ms": ms(statistics.fmean(s)),
    }


class RssWatch(threading.Thread):
    """Server memory every `interval` s. `window_peak()` returns (VmRSS, RssAnon) peaks since the
    last call and starts a new window; `peak`/`peak_anon` are over the whole run."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = self.peak_anon = 0
        self.window = self.window_anon = 0
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def poll(self) -> tuple[int, int]:
        rss, anon = tree_mem_kib(self.pid)
        with self._lock:
            self.peak, self.peak_anon = max(self.peak, rss), max(self.peak_anon, anon)
            self.window, self.window_anon = max(self.window, rss), max(self.window_anon, anon)
        return rss, anon

    def window_peak(self) -> tuple[int, int]:
        self.poll()
        with self._lock:
            v = (self.window, self.window_anon)
            self.window = self.window_anon = 0
        return v

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.poll()

    def stop(self) -> None:
        self._halt.set()
        self.join(2)


def mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def ann_body(i: int) -> dict:
    return {
        "result": [
            {
                "from_name": "sentiment",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": [LABELS[i % 3]]},
            }
        ],
        "lead_time": 1.5,
    }


def dir_mib(path: str) -> float:
    total = 0
    for root, _dirs, files in os.walk(path):
        for fn in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, fn)).st_size
    return round(total / 2**20, 1)


# --------------------------------------------------------------------------- the run


class Million:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.url = a.url.rstrip("/")
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Token {a.token}"
        self.rss = RssWatch(a.server_pid) if a.server_pid else None
        self.res: dict = {}
        self.annotated: set[int] = set()

    def log(self, *msg: object) -> None:
        print(f"[{time.strftime('%H:%M:%S')}]", *msg, file=sys.stderr, flush=True)

    def deadline(self) -> float:
        return time.perf_counter() + self.a.phase_timeout

    def project(self, pid: int) -> dict:
        r = self.s.get(f"{self.url}/api/projects/{pid}/", timeout=self.a.request_timeout)
        r.raise_for_status()
        return r.json()

    # 1 ------------------------------------------------------------------ import
    def create_and_import(self) -> int:
        a = self.a
        r = self.s.post(
            f"{self.url}/api/projects/",
            json={"title": f"million-{time.strftime('%Y%m%d-%H%M%S')}", "label_config": CONFIG},
            timeout=a.request_timeout,
        )
        r.raise_for_status()
        pid = r.json()["id"]
        self.log(f"project {pid}: importing {a.tasks} tasks in POSTs of {a.batch}")
        batches = []
        rss_before = tree_mem_kib(a.server_pid) if self.rss else (None, None)
        t_all = time.perf_counter()
        post_total = 0.0
        for start in range(0, a.tasks, a.batch):
            n = min(a.batch, a.tasks - start)
            t_gen = time.perf_counter()
            body = dumps([{"text": t} for t in texts_for(start, n, a.seed, a.text_len)])
            gen_s = time.perf_counter() - t_gen
            if self.rss:
                self.rss.window_peak()  # reset the window so the peak is this POST's
            t0 = time.perf_counter()
            rec: dict = {"first_task": start, "tasks": n, "body_mib": round(len(body) / 2**20, 2)}
            try:
                resp = self.s.post(
                    f"{self.url}/api/projects/{pid}/import",
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=a.import_timeout,
                )
                dt = time.perf_counter() - t0
                post_total += dt
                rec.update(http_status=resp.status_code, seconds=round(dt, 3), generate_s=round(gen_s, 3))
                try:
                    j = resp.json()
                    rec["response"] = (
                        {k: j.get(k) for k in ("task_count", "duration") if k in j}
                        if isinstance(j, dict)
                        else str(j)[:200]
                    )
                except ValueError:
                    rec["response"] = resp.text[:300]
            except requests.RequestException as e:
                rec["error"] = repr(e)[:300]
            del body
            if self.rss:
                peak, peak_anon = self.rss.window_peak()
                after, after_anon = tree_mem_kib(a.server_pid)
                rec.update(
                    server_rss_peak_mib=mib(peak),
                    server_rss_after_mib=mib(after),
                    server_anon_peak_mib=mib(peak_anon),
                    server_anon_after_mib=mib(after_anon),
                )
            rec["client_maxrss_mib"] = mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
            batches.append(rec)
            self.log(
                f"batch {len(batches)}: {rec.get('http_status')} in {rec.get('seconds')} s"
                + (
                    f", server RSS peak {rec['server_rss_peak_mib']} MiB (anon {rec['server_anon_peak_mib']})"
                    if self.rss
                    else ""
                )
            )
            if rec.get("http_status") not in (200, 201):
                self.log("import batch failed; stopping the import here")
                break
        # the import may be asynchronous on some servers: wait until every task is counted
        count, deadline = None, self.deadline()
        while time.perf_counter() < deadline:
            count = self.project(pid).get("task_number")
            if count is not None and count >= a.tasks:
                break
            time.sleep(0.5)
        wall = time.perf_counter() - t_all
        secs = [b["seconds"] for b in batches if "seconds" in b]
        self.res["import"] = {
            "project_id": pid,
            "tasks_requested": a.tasks,
            "batch": a.batch,
            "task_number_after": count,
            "post_seconds_total": round(post_total, 2),
            "wall_seconds_incl_generation": round(wall, 2),
            "tasks_per_s_posting": round(sum(b["tasks"] for b in batches if "seconds" in b) / post_total)
            if post_total
            else None,
            "batch_seconds_min_median_max": [min(secs), round(statistics.median(secs), 3), max(secs)]
            if secs
            else None,
            "server_rss_before_mib": mib(rss_before[0]),
            "server_anon_before_mib": mib(rss_before[1]),
            "server_rss_peak_mib": mib(self.rss.peak) if self.rss else None,
            "server_anon_peak_mib": mib(self.rss.peak_anon) if self.rss else None,
            "server_rss_after_mib": mib(tree_mem_kib(a.server_pid)[0]) if self.rss else None,
            "server_anon_after_mib": mib(tree_mem_kib(a.server_pid)[1]) if self.rss else None,
            "client_maxrss_mib": mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
            "batches": batches,
        }
        return pid

    # 2 ------------------------------------------------------------------ reads and writes
    def next_only(self, pid: int) -> None:
        lat, codes, seen = [], {}, set()
        dl = self.deadline()
        for _ in range(self.a.next_calls):
            if time.perf_counter() > dl:
                break
            t0 = time.perf_counter()
            r = self.s.get(f"{self.url}/api/projects/{pid}/next/", timeout=self.a.request_timeout)
            lat.append(time.perf_counter() - t0)
            codes[r.status_code] = codes.get(r.status_code, 0) + 1
            if r.status_code == 200:
                seen.add(r.json().get("id"))
        self.res["next_task"] = {
            "status_codes": codes,
            "distinct_tasks": len(seen),
            **latency(lat),
            "note": "same user, nothing submitted in between",
        }

    def next_submit(self, pid: int) -> None:
        nl, sl, cl, codes = [], [], [], {}
        dl = self.deadline()
        for i in range(self.a.submit_cycles):
            if time.perf_counter() > dl:
                break
            t0 = time.perf_counter()
            r = self.s.get(f"{self.url}/api/projects/{pid}/next/", timeout=self.a.request_timeout)
            t1 = time.perf_counter()
            nl.append(t1 - t0)
            key = f"next:{r.status_code}"
            codes[key] = codes.get(key, 0) + 1
            if r.status_code != 200:
                continue
            tid = r.json()["id"]
            r2 = self.s.post(
                f"{self.url}/api/tasks/{tid}/annotations/", json=ann_body(i), timeout=self.a.request_timeout
            )
            t2 = time.perf_counter()
            key = f"submit:{r2.status_code}"
            codes[key] = codes.get(key, 0) + 1
            if r2.status_code == 201:
                sl.append(t2 - t1)
                cl.append(t2 - t0)
                self.annotated.add(tid)
        self.res["next_then_submit"] = {
            "status_codes": codes,
            "distinct_tasks_annotated": len(self.annotated),
            "next": latency(nl),
            "submit": latency(sl),
            "cycle": latency(cl),
        }

    def pages(self, pid: int) -> None:
        for page, calls in (
            (1, self.a.page1_calls),
            (self.a.mid_page, self.a.deep_calls),
            (self.a.last_page, self.a.deep_calls),
        ):
            lat, codes, ntasks, size = [], {}, None, None
            dl = self.deadline()
            for _ in range(calls):
                if time.perf_counter() > dl:
                    break
                t0 = time.perf_counter()
                r = self.s.get(
                    f"{self.url}/api/tasks",
                    params={"project": pid, "page": page, "page_size": 100},
                    timeout=self.a.request_timeout,
                )
                lat.append(time.perf_counter() - t0)
                codes[r.status_code] = codes.get(r.status_code, 0) + 1
                if r.status_code == 200 and ntasks is None:
                    ntasks = len(r.json().get("tasks", []))
                    size = round(len(r.content) / 1024, 1)
            self.res[f"task_page_{page}"] = {
                "status_codes": codes,
                "tasks_returned": ntasks,
                "response_kib": size,
                **latency(lat),
            }

    def annotation_ids(self, pid: int, want: int) -> list[int]:
        ids: list[int] = []
        page = self.a.ann_first_page
        for _ in range(want // 100 + 20):  # bounded
            if len(ids) >= want:
                break
            r = self.s.get(
                f"{self.url}/api/tasks",
                params={"project": pid, "page": page, "page_size": 100, "fields": "task_only"},
                timeout=self.a.request_timeout,
            )
            if r.status_code != 200:
                break
            for t in r.json().get("tasks", []):
                if t["id"] not in self.annotated and not t.get("total_annotations"):
                    ids.append(t["id"])
            page += 1
        return ids[:want]

    def annotations(self, pid: int) -> None:
        ids = self.annotation_ids(pid, self.a.annotations)
        lat, codes = [], {}
        dl = self.deadline()
        t_all = time.perf_counter()
        for i, tid in enumerate(ids):
            if time.perf_counter() > dl:
                break
            t0 = time.perf_counter()
            r = self.s.post(
                f"{self.url}/api/tasks/{tid}/annotations/", json=ann_body(i), timeout=self.a.request_timeout
            )
            dt = time.perf_counter() - t0
            codes[r.status_code] = codes.get(r.status_code, 0) + 1
            if r.status_code == 201:
                lat.append(dt)
                self.annotated.add(tid)
        wall = time.perf_counter() - t_all
        self.res["annotation_create"] = {
            "distinct_tasks": len(ids),
            "status_codes": codes,
            "per_s": round(len(lat) / wall, 1) if wall else None,
            **latency(lat),
        }

    def get_project(self, pid: int) -> None:
        lat, codes, body = [], {}, None
        dl = self.deadline()
        for _ in range(self.a.project_calls):
            if time.perf_counter() > dl:
                break
            t0 = time.perf_counter()
            r = self.s.get(f"{self.url}/api/projects/{pid}/", timeout=self.a.request_timeout)
            lat.append(time.perf_counter() - t0)
            codes[r.status_code] = codes.get(r.status_code, 0) + 1
            if r.status_code == 200:
                body = r.json()
        counters = {
            k: body.get(k)
            for k in ("task_number", "total_annotations_number", "num_tasks_with_annotations")
            if body and k in body
        }
        self.res["get_project"] = {"status_codes": codes, "counters_at_end": counters, **latency(lat)}

    def exports(self, pid: int) -> None:
        out = {}
        total = self.project(pid).get("task_number") or 0
        for fmt in [f for f in self.a.export_formats.split(",") if f]:
            if self.rss:
                self.rss.window_peak()
            t0 = time.perf_counter()
            size = 0
            first_byte = None
            with self.s.get(
                f"{self.url}/api/projects/{pid}/export",
                params={"exportType": fmt, "download_all_tasks": "true"},
                stream=True,
                timeout=self.a.phase_timeout,
            ) as r:
                for chunk in r.iter_content(1 << 20):
                    if first_byte is None:
                        first_byte = time.perf_counter() - t0
                    size += len(chunk)
                status = r.status_code
            seconds = time.perf_counter() - t0
            entry = {
                "http_status": status,
                "seconds": round(seconds, 2),
                "tasks_per_s": round(total / seconds) if seconds else None,
                "time_to_first_byte_s": round(first_byte or 0, 3),
                "size_mib": round(size / (1 << 20), 1),
            }
            if self.rss:
                peak, peak_anon = self.rss.window_peak()
                entry.update(server_rss_peak_mib=mib(peak), server_anon_peak_mib=mib(peak_anon))
            out[fmt] = entry
            self.log(f"export {fmt}: {entry}")
        self.res["exports"] = out

    def run(self) -> dict:
        a = self.a
        mon = LoadMonitor([os.getpid(), a.server_pid or 0, *a.load_root_pid])
        mon.start()
        if self.rss:
            self.rss.start()
        started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        t_all = time.perf_counter()
        errors = []
        try:
            if a.project_id:
                pid = a.project_id
                self.res["import"] = {"skipped": True, "project_id": pid}
            else:
                pid = self.create_and_import()
            p = self.project(pid)
            self.res["project"] = {"id": pid, "task_number": p.get("task_number")}
            if self.rss:
                before, before_anon = tree_mem_kib(a.server_pid)
                self.res["server_rss_before_reads"] = {"rss_mib": mib(before), "anon_mib": mib(before_anon)}
            steps = [
                ("next_task", self.next_only),
                ("next_then_submit", self.next_submit),
                ("task_pages", self.pages),
                ("annotation_create", self.annotations),
                ("get_project", self.get_project),
                ("exports", self.exports),
            ]
            load_per_phase = {}
            for name, fn in steps:
                self.log(name)
                ph = LoadMonitor([os.getpid(), a.server_pid or 0, *a.load_root_pid])
                ph.start()
                try:
                    fn(pid)
                except Exception as e:  # record and go on with the next workload
                    errors.append(f"{name}: {e!r}"[:400])
                    self.log(f"{name} failed: {e!r}")
                s = ph.stop()
                load_per_phase[name] = {k: s[k] for k in ("seconds", "busy_cores_mean", "foreign_cores_mean")}
                if self.rss:
                    rss, anon = tree_mem_kib(a.server_pid)
                    load_per_phase[name].update(
                        server_rss_after_mib=mib(rss), server_anon_after_mib=mib(anon)
                    )
            self.res["load_per_phase"] = load_per_phase
        finally:
            if self.rss:
                self.rss.stop()
                end, end_anon = tree_mem_kib(a.server_pid)
                self.res["server_rss"] = {
                    "peak_mib": mib(self.rss.peak),
                    "end_mib": mib(end),
                    "anon_peak_mib": mib(self.rss.peak_anon),
                    "anon_end_mib": mib(end_anon),
                }
            if a.data_dir:
                self.res["data_dir_mib"] = dir_mib(a.data_dir)
            self.res["errors"] = errors
            self.res["machine_load"] = mon.stop()
            self.res["meta"] = {
                "url": self.url,
                "started": started,
                "total_seconds": round(time.perf_counter() - t_all, 1),
                "args": {k: v for k, v in vars(a).items() if k != "token"},
            }
        return self.res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--server-pid", type=int, default=None, help="for server RSS (VmRSS, with children)")
    ap.add_argument("--data-dir", default=None, help="server data dir, for its size on disk")
    ap.add_argument(
        "--load-root-pid",
        type=int,
        action="append",
        default=[],
        help="count this process tree as ours in the machine-load figures (e.g. the postmaster)",
    )
    ap.add_argument("--project-id", type=int, default=None, help="reuse this project; skip the import")
    ap.add_argument("--tasks", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=100_000)
    ap.add_argument("--text-len", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--next-calls", type=int, default=200)
    ap.add_argument("--submit-cycles", type=int, default=300)
    ap.add_argument("--page1-calls", type=int, default=100)
    ap.add_argument("--deep-calls", type=int, default=50)
    ap.add_argument("--mid-page", type=int, default=5000)
    ap.add_argument("--last-page", type=int, default=10000)
    ap.add_argument("--annotations", type=int, default=1000)
    ap.add_argument(
        "--ann-first-page", type=int, default=2001, help="task ids for annotation_create start here"
    )
    ap.add_argument("--project-calls", type=int, default=100)
    ap.add_argument("--export-formats", default="JSON,CSV,JSONL,PARQUET", help="comma-separated; empty skips")
    ap.add_argument("--request-timeout", type=float, default=120.0)
    ap.add_argument("--import-timeout", type=float, default=1800.0)
    ap.add_argument("--phase-timeout", type=float, default=900.0)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    host = re.sub(r"^https?://", "", a.url).split("/")[0].rsplit(":", 1)[0].strip("[]")
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        ap.error("only loopback URLs are allowed")
    res = Million(a).run()
    text = json.dumps(res, indent=1)
    out = a.out or str(REPO / "bench" / "out" / f"million-{time.strftime('%Y%m%d-%H%M%S')}.json")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text + "\n")
    print(text)
    print(out, file=sys.stderr)


if __name__ == "__main__":
    main()
