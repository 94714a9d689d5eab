#!/usr/bin/env python3
"""The image and audio editors at size, in real Chromium against a live `labelwise start` (prints figures).

On the labeling screen (`/projects/{id}/label?task=ID`), the page annotators use:

1. image  A 4000x3000 PNG (uploaded) under the object-detection template, with an annotation of 200
          boxes the screen opens for update. "show": navigation start to the image decoded and all 200
          shapes in the SVG overlay (`.lw-image[data-loaded=true]`, 200 `.lw-shape`), then one frame;
          median of N fresh navigations. "drag": one box dragged by the mouse in 30 steps; for each
          pointermove, the time from the event to the frame after it (input-to-frame latency), and from
          pointerup to the frame after the box is written back.
2. audio  An hour of 8 kHz mono 16-bit WAV (57.6 MB, generated: silence with tones), uploaded, under the
          speaker-segmentation template. "waveform": navigation start to `.lw-audio[data-state=ready]`
          (fetched, decoded, peaks computed, waveform drawn), then one frame; median of N. "segment":
          the label key, then a drag across the waveform: pointermove-to-frame latency, and pointerup to
          the new `.lw-audio-region` in the DOM and painted.

    .venv/bin/python bench/run_media.py [--opens 3] [--out bench/out/media.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from run_editor import EMAIL, PASSWORD, TOKEN, pct, start_server  # noqa: E402
from sysload import LoadMonitor  # noqa: E402
from tests.api.media_files import wav  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from labelwise.labeling.templates import get_template  # noqa: E402

WIDTH, HEIGHT, BOXES = 4000, 3000, 200
HOUR = 3600.0

# Installed before any page script: input-to-frame latency of every pointermove with a button held, and
# the time from pointerup to the frame after a condition (set by the bench) first holds.
INIT_SCRIPT = """
window.__media = { moves: [], upAt: null, settled: null, until: null };
const afterFrame = (fn) => requestAnimationFrame(() => setTimeout(fn, 0));
window.addEventListener("pointermove", (e) => {
  if (!e.buttons) return;
  const t = e.timeStamp;
  afterFrame(() => window.__media.moves.push(performance.now() - t));
}, true);
window.addEventListener("pointerup", (e) => {
  const m = window.__media;
  m.upAt = e.timeStamp;
  const poll = () => {
    if (m.until && document.querySelectorAll(m.until.selector).length >= m.until.count) {
      afterFrame(() => { m.settled = performance.now() - m.upAt; });
    } else requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
}, true);
"""
SHOWN = """([selector, count]) => document.querySelectorAll(selector).length >= count"""


def big_png(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A gradient with stripes, every row different (so decoding does real work), encoded fast."""
    base = bytes((x * 7) % 256 for x in range(3 * width + 256))
    raw = b"".join(b"\x00" + base[(i % 256) : (i % 256) + 3 * width] for i in range(height))

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + payload))
        return struct.pack(">I", len(payload)) + kind + payload + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 1))
        + chunk(b"IEND", b"")
    )


def boxes(count: int = BOXES) -> list[dict[str, Any]]:
    """A 20 x 10 grid of boxes, as the editor writes them."""
    out = []
    for i in range(count):
        col, row = i % 20, i // 20
        value = {"x": col * 5 + 0.5, "y": row * 10 + 1, "width": 4, "height": 8, "rotation": 0,
                 "rectanglelabels": ["Car" if i % 2 else "Pedestrian"]}  # fmt: skip
        out.append({"id": f"b{i}", "from_name": "label", "to_name": "image", "type": "rectanglelabels",
                    "origin": "manual", "original_width": WIDTH, "original_height": HEIGHT,
                    "image_rotation": 0, "value": value})  # fmt: skip
    return out


def upload(api: httpx.Client, template: str, name: str, body: bytes, kind: str) -> tuple[int, int]:
    pid = api.post("/api/projects", json={"title": template, "label_config": get_template(template).config})
    pid.raise_for_status()
    project = int(pid.json()["id"])
    api.post(f"/api/projects/{project}/import", files={"file": (name, body, kind)}).raise_for_status()
    (task,) = api.get("/api/tasks", params={"project": project}).json()["tasks"]
    return project, int(task["id"])


def open_until(page: Page, url: str, selector: str, count: int) -> float:
    """Milliseconds from navigation start to the frame after `count` elements match `selector`."""
    page.goto(url)
    page.wait_for_function(SHOWN, arg=[selector, count], polling="raf", timeout=300_000)
    shown: float = page.evaluate(
        "() => new Promise((r) => requestAnimationFrame(() => r(performance.now())))"
    )
    return shown


def drag(
    page: Page, a: tuple[float, float], b: tuple[float, float], until: tuple[str, int]
) -> dict[str, Any]:
    page.evaluate(
        "([s, n]) => { const m = window.__media; m.moves = []; m.settled = null; m.until = {selector: s, count: n}; }",
        list(until),
    )
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=30)
    page.mouse.up()
    page.wait_for_function("() => window.__media.settled !== null", timeout=60_000)
    moves: list[float] = page.evaluate("() => window.__media.moves")
    settled: float = page.evaluate("() => window.__media.settled")
    return {"moves": len(moves), "move_p50_ms": pct(moves, 0.5), "move_p95_ms": pct(moves, 0.95),
            "move_max_ms": max(moves), "release_to_frame_ms": settled}  # fmt: skip


def measure_image(page: Page, api: httpx.Client, opens: int) -> dict[str, Any]:
    body = big_png()
    pid, tid = upload(api, "object_detection", "big.png", body, "image/png")
    api.post(f"/api/tasks/{tid}/annotations/", json={"result": boxes()}).raise_for_status()
    url = f"/projects/{pid}/label?task={tid}"
    shows = [open_until(page, url, ".lw-image[data-loaded=true] .lw-shape", BOXES) for _ in range(opens)]
    shape = page.locator(".lw-shape[data-region-id=b55]").bounding_box()
    assert shape is not None
    a = (shape["x"] + shape["width"] / 2, shape["y"] + shape["height"] / 2)
    moved = drag(page, a, (a[0] + 120, a[1] + 80), (".lw-shape", BOXES))
    after = page.locator(".lw-shape[data-region-id=b55]").bounding_box()
    assert after is not None and abs(after["x"] - shape["x"] - 120) < 2, "the box did not follow the drag"
    return {
        "png_bytes": len(body),
        "show_ms": shows,
        "show_median_ms": statistics.median(shows),
        "drag": moved,
    }


def measure_audio(page: Page, api: httpx.Client, opens: int) -> dict[str, Any]:
    body = wav(HOUR, tones=((1.0, 2.0), (1800.0, 1801.0), (3590.0, 3595.0)))
    pid, tid = upload(api, "speaker_segmentation", "hour.wav", body, "audio/wav")
    url = f"/projects/{pid}/label?task={tid}"
    draws = [open_until(page, url, ".lw-audio[data-state=ready]", 1) for _ in range(opens)]
    box = page.locator(".lw-audio-overlay").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.keyboard.press("1")
    made = drag(
        page, (box["x"] + box["width"] * 0.3, y), (box["x"] + box["width"] * 0.45, y), (".lw-audio-region", 1)
    )
    return {
        "wav_bytes": len(body),
        "waveform_ms": draws,
        "waveform_median_ms": statistics.median(draws),
        "segment": made,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--opens", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "media.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="labelwise-bench-media-") as tmp:
        server, url = start_server(Path(tmp))
        monitor = LoadMonitor([os.getpid(), server.pid])
        monitor.start()
        try:
            api = httpx.Client(base_url=url, headers={"Authorization": f"Token {TOKEN}"}, timeout=300)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
                context.add_init_script(INIT_SCRIPT)
                context.request.post("/api/auth/login", data={"email": EMAIL, "password": PASSWORD})
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                image = measure_image(page, api, args.opens)
                audio = measure_audio(page, api, args.opens)
                browser.close()
            if errors:
                raise RuntimeError(f"page errors: {errors[:3]}")
        finally:
            load = monitor.stop()
            server.terminate()
            server.wait(timeout=15)
    result = {"image": image, "audio": audio, "load": load, "chromium": CHROMIUM}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    d, s = image["drag"], audio["segment"]
    print(f"image {WIDTH}x{HEIGHT} ({image['png_bytes'] / 2**20:.1f} MiB PNG) with {BOXES} boxes: shown in "
          f"{image['show_median_ms']:.0f} ms median (runs: {', '.join(f'{t:.0f}' for t in image['show_ms'])})")  # fmt: skip
    print(f"  drag a box ({d['moves']} moves): input-to-frame p50 {d['move_p50_ms']:.1f} ms, "
          f"p95 {d['move_p95_ms']:.1f} ms, max {d['move_max_ms']:.1f} ms; release to frame {d['release_to_frame_ms']:.1f} ms")  # fmt: skip
    print(f"audio 1 h 8 kHz mono ({audio['wav_bytes'] / 2**20:.1f} MiB WAV): waveform in "
          f"{audio['waveform_median_ms']:.0f} ms median (runs: {', '.join(f'{t:.0f}' for t in audio['waveform_ms'])})")  # fmt: skip
    print(f"  make a segment ({s['moves']} moves): input-to-frame p50 {s['move_p50_ms']:.1f} ms, "
          f"p95 {s['move_p95_ms']:.1f} ms, max {s['move_max_ms']:.1f} ms; release to region painted {s['release_to_frame_ms']:.1f} ms")  # fmt: skip
    print(f"machine load: {json.dumps(load)}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
