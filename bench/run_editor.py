#!/usr/bin/env python3
"""The labeling editor in real Chromium against a live `labelwise start` (not a test: it prints figures).

Three measurements, on the labeling screen (`/projects/{id}/label`), the page annotators use:

1. open   A 1 MB text in the named-entity editor (the named_entity_recognition template): time from
          navigation start to the text being shown (the screen's `labeling:task` event, then one frame
          and a macrotask so layout and paint are done), median of N fresh navigations; the text's
          last characters are checked to be in the DOM. Then a programmatic scroll through the whole
          text, one step per animation frame, recording frame times (p50/p95/max).
2. next   Submit-to-next-task: from the Ctrl+Enter keydown (a capture listener on window, which runs
          before the editor's) to the next task's text shown (same event + frame), median and p95 over
          50 tasks after 5 warm-up tasks. The annotator "works" on each task until the screen reports
          the prefetch done (`labeling:prefetched`), as a human taking a second or more would.
3. memory Label and submit TASKS tasks in a row; every 50 tasks force a full GC through CDP
          (HeapProfiler.collectGarbage) and read Performance.getMetrics (JSHeapUsedSize, Nodes,
          JSEventListeners). The series must stay flat.

    .venv/bin/python bench/run_editor.py [--opens 5] [--tasks 300] [--out bench/out/editor.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import CDPSession, Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from sysload import LoadMonitor  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.postgres import free_port  # noqa: E402

from labelwise.labeling.templates import TEMPLATES  # noqa: E402

EMAIL, PASSWORD, TOKEN = "bench@example.com", "bench-password-1", "bench-editor-token"
MARKER = "END-OF-THE-MEGABYTE"
SCROLL_STEP = 400
CLASSIFY = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" required="true">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
</View>"""

# Installed before any page script: timestamps of the Ctrl+Enter keydown and of each task shown
# (after the next frame and a macrotask, i.e. once it is laid out and painted).
INIT_SCRIPT = """
window.__bench = { enter: [], shown: [], prefetched: 0 };
window.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && e.ctrlKey) window.__bench.enter.push(performance.now());
}, true);
document.addEventListener("labeling:task", () => {
  requestAnimationFrame(() => setTimeout(() => window.__bench.shown.push(performance.now()), 0));
});
document.addEventListener("labeling:prefetched", () => { window.__bench.prefetched += 1; });
"""

# Scroll to the bottom, STEP px per animation frame (a fast fling), recording each frame's duration. The
# text lays out lazily (content-visibility), so the page grows while it scrolls: the target is re-read
# every frame until the bottom stays reached.
SCROLL_SCRIPT = """async (step) => {
  const el = document.scrollingElement;
  el.scrollTop = 0;
  await new Promise((r) => requestAnimationFrame(r));
  const times = [];
  let last = performance.now();
  while (times.length < 5000) {
    const before = el.scrollTop;
    el.scrollTop = before + step;
    await new Promise((r) => requestAnimationFrame(r));
    const now = performance.now();
    times.push(now - last);
    last = now;
    if (el.scrollTop === before) break;
  }
  return { times, total: el.scrollTop };
}"""


def megabyte_text(size: int = 1_000_000) -> str:
    """Prose-like words, sentences and paragraphs, deterministic, ending with a marker."""
    rng = random.Random(7)
    words = ("Ada", "Lovelace", "worked", "with", "Charles", "Babbage", "in", "London", "on", "the",
             "Analytical", "Engine", "and", "wrote", "notes", "about", "Bernoulli", "numbers", "for",
             "a", "machine", "that", "was", "never", "built", "Paris", "Turin", "Menabrea", "Society")  # fmt: skip
    parts: list[str] = []
    length = 0
    while length < size - len(MARKER) - 2:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(6, 18))) + ". "
        if rng.random() < 0.08:
            sentence += "\n\n"
        parts.append(sentence)
        length += len(sentence)
    return "".join(parts)[: size - len(MARKER) - 1] + " " + MARKER


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELWISE_")}
    env["LABELWISE_DATA_DIR"] = str(data_dir)
    cmd = [sys.executable, "-m", "labelwise.cli", "start", "--port", str(port), "--data-dir", str(data_dir)]
    cmd += ["--username", EMAIL, "--password", PASSWORD, "--user-token", TOKEN]
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("labelwise start did not come up")


def project(api: httpx.Client, config: str, tasks: list[dict[str, Any]], title: str) -> tuple[int, list[int]]:
    pid = api.post("/api/projects", json={"title": title, "label_config": config}).json()["id"]
    r = api.post(f"/api/projects/{pid}/import?return_task_ids=1", json=tasks)
    r.raise_for_status()
    return pid, list(r.json()["task_ids"])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait_shown(page: Page, count: int) -> float:
    page.wait_for_function("(n) => window.__bench.shown.length >= n", arg=count, timeout=60_000)
    # One source text for every call: each distinct evaluated string would be a new script the page's
    # V8 keeps (and the memory series would count the benchmark's own probes).
    return float(page.evaluate("(i) => window.__bench.shown[i]", count - 1))


def measure_open(page: Page, pid: int, tid: int, opens: int, text: str) -> dict[str, Any]:
    times = []
    for _ in range(opens):
        page.goto(f"/projects/{pid}/label?task={tid}")
        times.append(wait_shown(page, 1))
        tail = page.evaluate("document.getElementById('lb-editor').textContent.slice(-200)")
        assert MARKER in tail, "the end of the text is not in the DOM"
        # Interactive: the label key arms a label (the editor answered a key on the 1 MB text).
        page.keyboard.press("p")
        page.wait_for_selector(".lw-label[aria-pressed='true']", timeout=10_000)
    scroll = page.evaluate(SCROLL_SCRIPT, SCROLL_STEP)
    frames = scroll["times"]
    return {
        "chars": len(text),
        "open_ms": times,
        "open_median_ms": statistics.median(times),
        "scroll_height_px": scroll["total"],
        "scroll_frames": len(frames),
        "frame_p50_ms": pct(frames, 0.5),
        "frame_p95_ms": pct(frames, 0.95),
        "frame_max_ms": max(frames),
    }


# The memory run drives the screen from inside the page (one evaluate for all tasks): synthetic key
# events, the screen's own events to wait on, gc() (Chromium started with --expose-gc) and
# performance.memory (--enable-precise-memory-info) every EVERY tasks. Driving it over CDP call by call
# would itself leave scripts and handles in the page's heap and blur the series.
MEMORY_SCRIPT = """async ({ tasks, every }) => {
  const once = (name) => new Promise((resolve) => document.addEventListener(name, resolve, { once: true }));
  const key = (init) => document.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init }));
  const sample = (i) => {
    gc(); gc();
    return { tasks: i, heap: performance.memory.usedJSHeapSize, nodes: document.getElementsByTagName("*").length };
  };
  const out = [];
  for (let i = 0; i < tasks; i++) {
    if (i % every === 0) out.push(sample(i));
    const shown = once("labeling:task");
    const ready = once("labeling:prefetched");
    const digit = String(1 + (i % 3));
    key({ key: digit, code: `Digit${digit}` });
    key({ key: "Enter", code: "Enter", ctrlKey: true });
    await shown;
    await ready;
  }
  out.push(sample(tasks));
  return out;
}"""


def measure_memory(page: Page, pid: int, tasks: int, every: int = 50) -> list[dict[str, Any]]:
    page.goto(f"/projects/{pid}/label")
    wait_shown(page, 1)
    page.wait_for_function("() => window.__bench.prefetched >= 1", timeout=60_000)
    series: list[dict[str, Any]] = page.evaluate(MEMORY_SCRIPT, {"tasks": tasks, "every": every})
    return series


def heap(cdp: CDPSession) -> dict[str, float]:
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {
        k: metrics[k] for k in ("JSHeapUsedSize", "Nodes", "JSEventListeners", "Documents") if k in metrics
    }


def measure_queue(page: Page, pid: int, tasks: int, warmup: int = 5, sample: int = 50) -> dict[str, Any]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.goto(f"/projects/{pid}/label")
    wait_shown(page, 1)
    latencies: list[float] = []
    memory: list[dict[str, Any]] = []
    for i in range(tasks):
        page.wait_for_function("(n) => window.__bench.prefetched >= n", arg=i + 1, timeout=60_000)
        if i % 50 == 0:
            memory.append({"tasks": i, **heap(cdp)})
        page.keyboard.press(str(1 + i % 3))
        page.keyboard.press("Control+Enter")
        shown = wait_shown(page, i + 2)
        enter = float(page.evaluate("(i) => window.__bench.enter[i]", i))
        latencies.append(shown - enter)
    page.wait_for_function("(n) => window.__bench.prefetched >= n", arg=tasks + 1, timeout=60_000)
    memory.append({"tasks": tasks, **heap(cdp)})
    window = latencies[warmup : warmup + sample]
    return {
        "tasks": tasks,
        "next_median_ms": statistics.median(window),
        "next_p95_ms": pct(window, 0.95),
        "next_all_median_ms": statistics.median(latencies),
        "next_all_p95_ms": pct(latencies, 0.95),
        "memory": memory,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--opens", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=600)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "editor.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="labelwise-bench-editor-") as tmp:
        server, url = start_server(Path(tmp))
        monitor = LoadMonitor([os.getpid(), server.pid])
        monitor.start()
        try:
            api = httpx.Client(base_url=url, headers={"Authorization": f"Token {TOKEN}"}, timeout=120)
            ner = next(t for t in TEMPLATES if t.id == "named_entity_recognition")
            text = megabyte_text()
            ner_pid, (ner_tid,) = project(api, ner.config, [{"text": text}], "1 MB NER")
            rng = random.Random(3)
            short = [{"text": " ".join(rng.choice(("good", "bad", "fine", "room", "staff", "food", "late",
                                                   "clean", "noisy", "kind")) for _ in range(80))}
                     for _ in range(args.tasks + 10)]  # fmt: skip
            queue_pid, _ = project(api, CLASSIFY, short[:60], "Queue")
            memory_pid, _ = project(api, CLASSIFY, short, "Memory")
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[*CHROMIUM_ARGS, "--enable-precise-memory-info", "--js-flags=--expose-gc"],
                    headless=True,
                )
                context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
                context.add_init_script(INIT_SCRIPT)
                context.request.post("/api/auth/login", data={"email": EMAIL, "password": PASSWORD})
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                opened = measure_open(page, ner_pid, ner_tid, args.opens, text)
                queued = measure_queue(page, queue_pid, 55)
                memory = measure_memory(page, memory_pid, args.tasks)
                browser.close()
            if errors:
                raise RuntimeError(f"page errors: {errors[:3]}")
        finally:
            load = monitor.stop()
            server.terminate()
            server.wait(timeout=15)
    result = {"open": opened, "queue": queued, "memory": memory, "load": load, "chromium": CHROMIUM}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    o, q = opened, queued
    print(f"1 MB NER text ({o['chars']:,} chars): open median {o['open_median_ms']:.0f} ms "
          f"(runs: {', '.join(f'{t:.0f}' for t in o['open_ms'])}); scroll {o['scroll_height_px']:,} px "
          f"in {o['scroll_frames']} frames: p50 {o['frame_p50_ms']:.1f} ms, p95 {o['frame_p95_ms']:.1f} ms, "
          f"max {o['frame_max_ms']:.1f} ms")  # fmt: skip
    print(f"submit-to-next: median {q['next_median_ms']:.1f} ms, p95 {q['next_p95_ms']:.1f} ms over 50 tasks")
    print(
        "memory, CDP-driven run (after HeapProfiler.collectGarbage; tasks: JS heap MiB / DOM nodes / listeners):"
    )
    for m in q["memory"]:
        print(f"  {m['tasks']:4d}: {m['JSHeapUsedSize'] / 2**20:6.3f} MiB / {m.get('Nodes', 0):6.0f} / "
              f"{m.get('JSEventListeners', 0):5.0f}")  # fmt: skip
    print(f"memory, in-page run of {args.tasks} tasks (after gc(); tasks: JS heap MiB / elements):")
    for m in memory:
        print(f"  {m['tasks']:4d}: {m['heap'] / 2**20:6.3f} MiB / {m['nodes']:6d}")
    print(f"machine load: {json.dumps(load)}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
