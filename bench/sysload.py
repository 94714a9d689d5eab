#!/usr/bin/env python3
"""Machine load while a benchmark runs, split into "ours" and "foreign".

The machine is shared (2 cores; other people's tests may be running), so every bench script
records how busy the CPUs were and how much of that was NOT the benchmark itself.

A process counts as ours when it, or one of its ancestors, is one of the given root PIDs (the
bench script, the server, a throwaway PostgreSQL postmaster). Everything else (including kernel
threads) is foreign. Sampling reads /proc once per interval; CPU of processes that exit between two
samples is partly missed, so the figures are approximate.

Library use:
    mon = LoadMonitor([os.getpid(), server_pid]); mon.start(); ...; summary = mon.stop()

Command-line use (for shell scripts); writes the summary as JSON to OUT on SIGTERM/SIGINT:
    python bench/sysload.py --out FILE --root-pid PID [--root-pid PID ...] &
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
import time

TCK = os.sysconf("SC_CLK_TCK")


def loadavg() -> list[float]:
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def _steal() -> int:
    """Jiffies the hypervisor gave to other guests while ours wanted the CPU: a noisy host
    shows here even when nothing else runs inside this machine."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    return int(fields[7]) if len(fields) > 7 else 0


def _cpu_totals() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # exclude guest columns (already counted in user)
    return total - idle, total


def _procs() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, utime+stime jiffies) for every live process."""
    out: dict[int, tuple[int, int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        out[int(name)] = (int(rest[1]), int(rest[11]) + int(rest[12]))
    return out


def _is_ours(pid: int, procs: dict[int, tuple[int, int]], roots: set[int], cache: dict[int, bool]) -> bool:
    chain = []
    p = pid
    result = False
    for _ in range(64):  # bounded walk up the tree
        if p in cache:
            result = cache[p]
            break
        if p in roots:
            result = True
            break
        chain.append(p)
        parent = procs.get(p, (0, 0))[0]
        if parent <= 1:
            break
        p = parent
    for c in chain:
        cache[c] = result
    return result


class LoadMonitor(threading.Thread):
    def __init__(self, root_pids: list[int], interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.roots = {p for p in root_pids if p}
        self.interval = interval
        self._halt = threading.Event()
        self.samples: list[tuple[float, float, float]] = []  # (busy cores, foreign cores, load1)
        self.load_start = loadavg()
        self.t0 = time.monotonic()
        self.busy0, self.total0 = _cpu_totals()
        self.steal0 = _steal()
        self.foreign_jiffies = 0
        self._last = _procs()

    def add_root(self, pid: int) -> None:
        self.roots.add(pid)

    def _sample(self) -> None:
        now = _procs()
        busy, total = _cpu_totals()
        cache: dict[int, bool] = {}
        foreign = 0
        for pid, (_ppid, cpu) in now.items():
            prev = self._last.get(pid)
            delta = cpu - prev[1] if prev else cpu
            if delta > 0 and not _is_ours(pid, now, self.roots, cache):
                foreign += delta
        self._last = now
        self.foreign_jiffies += foreign
        self.samples.append((busy, total, foreign))

    def run(self) -> None:
        prev_busy, prev_total = self.busy0, self.total0
        while not self._halt.wait(self.interval):
            self._sample()
            busy, total, foreign = self.samples[-1]
            self.samples[-1] = self._to_cores(busy - prev_busy, total - prev_total, foreign)
            prev_busy, prev_total = busy, total

    @staticmethod
    def _to_cores(busy: int, total: int, foreign: int) -> tuple[float, float, float]:
        ncpu = os.cpu_count() or 1
        if total <= 0:
            return (0.0, 0.0, loadavg()[0])
        wall_j = total / ncpu  # jiffies of wall time in this window
        return (busy / wall_j, foreign / wall_j, loadavg()[0])

    def stop(self) -> dict:
        self._halt.set()
        self.join(timeout=5)
        busy, total = _cpu_totals()
        ncpu = os.cpu_count() or 1
        wall_j = max(1, (total - self.total0)) / ncpu
        foreign_cores = [s[1] for s in self.samples]
        busy_cores = [s[0] for s in self.samples]
        return {
            "cpus": ncpu,
            "seconds": round(time.monotonic() - self.t0, 1),
            "loadavg_start": self.load_start,
            "loadavg_end": loadavg(),
            "load1_max": max([s[2] for s in self.samples] or [loadavg()[0]]),
            "busy_cores_mean": round((busy - self.busy0) / wall_j, 2),
            "busy_cores_max_1s": round(max(busy_cores or [0.0]), 2),
            "foreign_cores_mean": round(self.foreign_jiffies / wall_j, 2),
            "foreign_cores_max_1s": round(max(foreign_cores or [0.0]), 2),
            "steal_cores_mean": round((_steal() - self.steal0) / wall_j, 3),
            "note": "cores busy over the run (all processes), the part used by processes "
            "not started by this benchmark (foreign), and CPU time the host withheld (steal)",
        }


def tree_mem_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, RssAnon) in KiB of pid and its children. RssAnon leaves out file-backed pages such as
    SQLite's memory-mapped database file, so it is the figure for "bounded memory"."""
    rss = anon = 0
    todo, seen = [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("RssAnon:"):
                        anon += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(x) for x in f.read().split())
        except OSError:
            pass
    return rss, anon


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--root-pid", type=int, action="append", default=[])
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--max-seconds", type=float, default=6 * 3600, help="stop by itself after this")
    a = ap.parse_args()
    mon = LoadMonitor([*a.root_pid, os.getpid()], a.interval)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    mon.start()
    done.wait(a.max_seconds)
    with open(a.out, "w") as f:
        json.dump(mon.stop(), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
