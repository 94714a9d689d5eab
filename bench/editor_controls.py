#!/usr/bin/env python3
"""The editor's control tags at a size real configs reach, in real Chromium (not a test: it prints figures).

Starts `labelwise start` on a fresh data directory and one task whose config holds a Taxonomy of 3,330
nodes (30 x 10 x 10 with the branches), 300 multiple Choices and a Ranker over a 200-item List with two
buckets, opens it in the editor page and measures in the page, medians over N:

  mount_ms          mountEditor() on that payload until every control is drawn (mount_frame_ms: to the
                    next frame, the first layout of the page included)
  choice_*          one checkbox click (the store, every control's check whether it must redraw)
  tree_open_*       opening the Taxonomy picker (the tree drawn for 3,330 nodes)
  tree_choose_*     choosing one node while the tree is open
  tree_filter_*     one search keystroke filtering the tree
  ranker_move_*     Shift+ArrowRight on a focused ranker item (moved to the next bucket, board redrawn)
  memory            JS heap after 100 mount/destroy cycles against after one (gc forced)

Each interaction reports `_sync_ms` (the handler's own work) and `_frame_ms` (to the next animation frame,
which includes waiting for it: about 16 ms on an idle page).

    .venv/bin/python bench/editor_controls.py [-n 20] [--out bench/out/editor_controls.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from sysload import LoadMonitor  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.postgres import free_port  # noqa: E402

EMAIL, PASSWORD, TOKEN = "bench@example.com", "bench-password-1", "bench-controls-token"


def config() -> str:
    def leaf(path: str) -> str:
        return f'<Choice value="{path}"/>'

    tree = "".join(
        f'<Choice value="n{i}">'
        + "".join(
            f'<Choice value="n{i}-{j}">' + "".join(leaf(f"n{i}-{j}-{k}") for k in range(10)) + "</Choice>"
            for j in range(10)
        )
        + "</Choice>"
        for i in range(30)
    )
    choices = "".join(f'<Choice value="c{i}"/>' for i in range(300))
    return (
        '<View><Text name="t" value="$t"/>'
        f'<Taxonomy name="x" toName="t">{tree}</Taxonomy>'
        f'<Choices name="c" toName="t" choice="multiple">{choices}</Choices>'
        '<List name="l" value="$items" title="Items"/>'
        '<Ranker name="r" toName="l"><Bucket name="a" title="A"/><Bucket name="b" title="B"/></Ranker></View>'
    )


IN_PAGE = """async (n) => {
  const { mountEditor } = await import("/static/editor/editor.js");
  const data = JSON.parse(document.getElementById("editor-data").textContent);
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const host = document.createElement("div");
  document.body.appendChild(host);
  const args = { schema: data.schema, task: data.task, results: [] };
  const out = {};
  // The synchronous work of one interaction, and the time to the next frame (which includes waiting for it).
  async function measure(name, fn) {
    const t = performance.now();
    fn();
    const sync = performance.now() - t;
    await frame();
    (out[name + "_sync_ms"] ||= []).push(sync);
    (out[name + "_frame_ms"] ||= []).push(performance.now() - t);
  }
  for (let round = 0; round < n; round++) {
    let t = performance.now();
    const ed = await mountEditor(host, args);
    (out.mount_ms ||= []).push(performance.now() - t);
    await frame();
    (out.mount_frame_ms ||= []).push(performance.now() - t);
    await frame();
    const boxes = host.querySelectorAll(".lw-choice input");
    await measure("choice", () => boxes[round * 7].click());
    await measure("tree_open", () => host.querySelector(".lw-taxonomy-toggle").click());
    const search = host.querySelector(".lw-taxonomy-search");
    search.value = "n" + (round % 30) + "-";
    search.dispatchEvent(new Event("input"));
    await frame();
    const shown = [...host.querySelectorAll(".lw-tree-item:not([aria-expanded]):not([hidden]) > .lw-tree-row")];
    await measure("tree_choose", () => shown[round % shown.length].click());
    await measure("tree_filter", () => {
      search.value = "n" + (round % 30) + "-3";
      search.dispatchEvent(new Event("input"));
    });
    const item = host.querySelector(".lw-ranker-list[data-column='_'] .lw-ranker-item");
    item.focus();
    const key = { key: "ArrowRight", code: "ArrowRight", shiftKey: true, bubbles: true, cancelable: true };
    await measure("ranker_move", () => item.dispatchEvent(new KeyboardEvent("keydown", key)));
    const types = new Set(ed.getResults().map((r) => r.type));
    if (!["choices", "taxonomy", "ranker"].every((x) => types.has(x))) throw new Error("an interaction wrote nothing");
    ed.destroy();
  }
  const heap = () => { window.gc && window.gc(); return performance.memory.usedJSHeapSize / 1048576; };
  (await mountEditor(host, args)).destroy();
  const after1 = heap();
  for (let i = 0; i < 100; i++) (await mountEditor(host, args)).destroy();
  const after100 = heap();
  const result = {};
  for (const [k, v] of Object.entries(out)) result[k] = { median: med(v), max: Math.max(...v) };
  result.memory = { heap_mib_after_1: after1, heap_mib_after_100: after100, nodes_left: host.childNodes.length };
  return result;
}"""


def start_server(data_dir: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELWISE_")}
    env["LABELWISE_DATA_DIR"] = data_dir
    cmd = [sys.executable, "-m", "labelwise.cli", "start", "--port", str(port), "--data-dir", data_dir]
    cmd += ["--username", EMAIL, "--password", PASSWORD, "--user-token", TOKEN]
    log = (Path(data_dir) / "server.log").open("wb")
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--out", default=str(REPO / "bench" / "out" / "editor_controls.json"))
    args = parser.parse_args()
    items = [
        {"id": f"i{i}", "title": f"Result {i}", "body": "A snippet of the page. " * 3} for i in range(200)
    ]
    with tempfile.TemporaryDirectory() as data_dir:
        server, base = start_server(data_dir)
        monitor = LoadMonitor([os.getpid(), server.pid])
        monitor.start()
        try:
            api = httpx.Client(base_url=base, headers={"Authorization": f"Token {TOKEN}"}, timeout=60)
            project = api.post("/api/projects", json={"title": "Controls", "label_config": config()})
            project.raise_for_status()
            pid = project.json()["id"]
            api.post(
                f"/api/projects/{pid}/import", json=[{"data": {"t": "x", "items": items}}]
            ).raise_for_status()
            task = api.get("/api/tasks", params={"project": pid}).json()["tasks"][0]["id"]
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--js-flags=--expose-gc"], headless=True
                )
                context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
                context.request.post("/api/auth/login", data={"email": EMAIL, "password": PASSWORD})
                page = context.new_page()
                page.goto(f"/projects/{pid}/tasks/{task}/editor")
                page.wait_for_selector("#editor[data-ready=true]", state="attached", timeout=60_000)
                result = page.evaluate(IN_PAGE, args.n)
                browser.close()
        finally:
            load = monitor.stop()
            server.terminate()
            server.wait(timeout=15)
    result["load"] = load
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "load"}, indent=2))
    print("foreign_cores_mean", load.get("foreign_cores_mean"), "->", args.out, f"(median of {args.n})")


if __name__ == "__main__":
    main()
