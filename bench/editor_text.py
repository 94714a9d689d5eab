#!/usr/bin/env python3
"""The labeling editor on a 1 MB text, in real Chromium: open, scroll, label, and memory over many tasks.

Starts `labelwise start` on a fresh data directory, creates a NER project whose one task holds a 1 MB
text (words with combining accents and emoji, lines of 5-20 words) and an annotation with R regions
(default 500), then measures with Debian's Chromium:

  open_ms        navigation start to the editor page's `lw-editor-ready` mark (HTML with the 1 MB
                 payload, module loading, mount), median of N page loads
  painted_ms     navigation start to the second animation frame after ready (the text is on screen)
  mount_ms       mountEditor() alone on the same payload, in the page, with and without the regions
  add_span_ms    store.add of one span near the end of the text to the next frame (repaint + list)
  scroll         frame gaps while scrolling the text 40 screens with window.scrollBy in rAF
  memory         JS heap after 200 mount/destroy cycles vs. after the first (gc forced)

    .venv/bin/python bench/editor_text.py [-n 5] [--regions 500] [--out bench/out/editor_text.json]

Speed targets (issue): a 1 MB text opens in under 1 s and scrolls without lag; an hour of labeling does
not grow the page's memory. Label Studio 1.23.2 takes 5.1 s to show a 1 MB text in its NER editor.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from sysload import LoadMonitor  # noqa: E402

CHROMIUM = os.environ.get("LABELWISE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--js-flags=--expose-gc",
]
EMAIL, PASSWORD, TOKEN = "bench@example.com", "bench-password-1", "bench-editor-token"
CONFIG = """<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
<Text name="text" value="$text"/></View>"""
WORDS = [
    "alpha",
    "beta",
    "gamma",
    "Zoe\u0301",
    "na\u0308ive",
    "\U0001f389",
    "delta",
    "epsilon",
    "London",
    "Ada",
]


def one_mb_text(seed: int = 1) -> str:
    rnd = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < 1_000_000:
        line = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(5, 20))) + "\n"
        parts.append(line)
        size += len(line.encode())
    return "".join(parts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: str, port: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "labelwise.cli",
        "start",
        "--port",
        str(port),
        "--data-dir",
        data_dir,
        "--username",
        EMAIL,
        "--password",
        PASSWORD,
        "--user-token",
        TOKEN,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELWISE_")}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def regions(text: str, count: int) -> list[dict[str, Any]]:
    step = max(1, (len(text) - 10) // count)
    return [
        {
            "id": f"r{i}",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": s, "end": s + 5, "text": text[s : s + 5], "labels": ["PER"]},
        }
        for i, s in enumerate(range(0, step * count, step))
    ]


IN_PAGE = """async (runs) => {
  const { mountEditor } = await import("/static/editor/editor.js");
  const data = JSON.parse(document.getElementById("editor-data").textContent);
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const host = document.createElement("div"); document.body.appendChild(host);
  const mount = async (results) => { const t = performance.now(); const ed = await mountEditor(host, {schema: data.schema, task: data.task, results}); const m = performance.now() - t; await frame(); return [ed, m, performance.now() - t]; };
  const out = {mount_empty_ms: [], mount_regions_ms: [], painted_regions_ms: []};
  for (let i = 0; i < runs; i++) {
    let [ed, m] = await mount([]); out.mount_empty_ms.push(m); ed.destroy();
    let p; [ed, m, p] = await mount(data.annotation.result); out.mount_regions_ms.push(m); out.painted_regions_ms.push(p);
    if (i === runs - 1) {
      const n = ed.getResults().length;
      const t = performance.now();
      ed.store.add({from_name: "label", to_name: "text", type: "labels", value: {start: n * 1000, end: n * 1000 + 3, text: "", labels: ["ORG"]}});
      await frame(); out.add_span_ms = performance.now() - t;
    }
    ed.destroy();
  }
  document.querySelector(".lw-editor").scrollIntoView();
  const gaps = []; let last = performance.now();
  for (let i = 0; i < 40; i++) { window.scrollBy(0, window.innerHeight); await new Promise((r) => requestAnimationFrame(r)); const now = performance.now(); gaps.push(now - last); last = now; }
  out.scroll = {frames: gaps.length, max_frame_ms: Math.max(...gaps), median_frame_ms: gaps.sort((a, b) => a - b)[gaps.length >> 1]};
  const heap = () => { window.gc(); return performance.memory.usedJSHeapSize; };
  let [ed] = await mount(data.annotation.result); ed.destroy();
  const first = heap();
  for (let i = 0; i < 200; i++) { [ed] = await mount(data.annotation.result); ed.destroy(); }
  out.memory = {after_first_mib: first / 1048576, after_200_mib: heap() / 1048576, listeners_left: host.childNodes.length};
  return out;
}"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--regions", type=int, default=500)
    parser.add_argument("--out", default=str(REPO / "bench" / "out" / "editor_text.json"))
    args = parser.parse_args()
    text = one_mb_text()
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        server = start_server(data_dir, port)
        monitor = LoadMonitor([os.getpid(), server.pid])
        monitor.start()
        try:
            base = f"http://127.0.0.1:{port}"
            api = httpx.Client(base_url=base, headers={"Authorization": f"Token {TOKEN}"}, timeout=60)
            project = api.post("/api/projects", json={"title": "1 MB", "label_config": CONFIG}).json()["id"]
            api.post(f"/api/projects/{project}/import", json=[{"data": {"text": text}}]).raise_for_status()
            task = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
            api.post(
                f"/api/tasks/{task}/annotations", json={"result": regions(text, args.regions)}
            ).raise_for_status()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
                context.request.post("/api/auth/login", data={"email": EMAIL, "password": PASSWORD})
                page = context.new_page()
                opens, painted = [], []
                for _ in range(args.n):
                    page.goto(f"/projects/{project}/tasks/{task}/editor")
                    page.wait_for_selector("#editor[data-ready=true]", state="attached", timeout=60_000)
                    timing = page.evaluate(
                        """() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() =>
                          r({ready: performance.getEntriesByName("lw-editor-ready")[0].startTime, painted: performance.now()}))))"""
                    )
                    opens.append(timing["ready"])
                    painted.append(timing["painted"])
                    assert page.locator(".lw-text").evaluate("(el, t) => el.textContent === t", text)
                in_page = page.evaluate(IN_PAGE, args.n)
                browser.close()
        finally:
            load = monitor.stop()
            server.terminate()
            server.wait(timeout=15)
    med = statistics.median
    result = {
        "text_bytes": len(text.encode()),
        "text_code_points": len(text),
        "regions": args.regions,
        "open_ms": {"median": med(opens), "max": max(opens)},
        "painted_ms": {"median": med(painted), "max": max(painted)},
        "mount_empty_ms": med(in_page["mount_empty_ms"]),
        "mount_regions_ms": med(in_page["mount_regions_ms"]),
        "painted_regions_ms": med(in_page["painted_regions_ms"]),
        "add_span_ms": in_page["add_span_ms"],
        "scroll": in_page["scroll"],
        "memory": in_page["memory"],
        "load": load,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "load"}, indent=2))
    print("foreign_cores_mean", load.get("foreign_cores_mean"), "->", args.out)


if __name__ == "__main__":
    main()
