"""The media templates end to end in real Chromium: a generated file imported, labeled on the labeling
screen through the real editor (drag on the waveform, type the transcription, submit by key), then
exported; the export's numbers are checked against the mouse coordinates. Media on a plain http host
play through Labelwise's proxy (`/tasks/{id}/media`) on a server allowed to reach that host."""

from __future__ import annotations

import io
import json
import re
import threading
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from labelwise.labeling.templates import get_template
from tests.api.media_files import png, wav
from tests.browser.conftest import (
    Server,
    launch_server,
    make_project,
    signed_in_page,
    stop_server,
)

DURATION = 4.0
TONES = ((0.5, 1.5), (2.5, 3.5))


def _upload(api: httpx.Client, template: str, name: str, body: bytes, kind: str) -> tuple[int, int, str]:
    pid = make_project(api, get_template(template).config)
    r = api.post(f"/api/projects/{pid}/import", files={"file": (name, body, kind)})
    assert r.status_code == 201, r.text
    (task,) = api.get("/api/tasks", params={"project": pid}).json()["tasks"]
    return pid, int(task["id"]), str(next(iter(task["data"].values())))


def _wave(page: Page) -> dict[str, float]:
    box = page.locator(".lw-audio-overlay").bounding_box()
    assert box is not None
    return box


def _drag(page: Page, x0: float, x1: float) -> None:
    box = _wave(page)
    y = box["y"] + box["height"] / 2
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y, steps=3)
    page.mouse.move(x1, y, steps=3)
    page.mouse.up()


def test_audio_transcription_on_the_labeling_screen_exports_the_segment(
    page: Page, api: httpx.Client
) -> None:
    pid, tid, audio = _upload(api, "audio_transcription", "call.wav", wav(DURATION, tones=TONES), "audio/wav")
    page.goto(f"/projects/{pid}/label")
    expect(page.locator("#lb-task-id")).to_have_text(f"#{tid}")
    expect(page.locator(".lw-audio")).to_have_attribute("data-state", "ready", timeout=30_000)
    box = _wave(page)
    per_second = box["width"] / DURATION
    x0, x1 = box["x"] + 0.5 * per_second, box["x"] + 1.5 * per_second
    page.keyboard.press("1")  # Speech
    _drag(page, x0, x1)
    textarea = page.locator(".lw-textarea textarea").first
    expect(textarea).to_be_visible()
    textarea.fill("hello there")
    textarea.press("Enter")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-done")).to_be_visible()

    tolerance = 1 / per_second  # a pixel's worth of seconds
    r = api.get(f"/api/projects/{pid}/export", params={"exportType": "ASR_MANIFEST"})
    (line,) = [json.loads(x) for x in r.text.splitlines()]
    assert line["audio_filepath"] == audio and line["text"] == "hello there" and line["label"] == "Speech"
    assert abs(line["offset"] - (x0 - box["x"]) / per_second) <= tolerance
    assert abs(line["offset"] + line["duration"] - (x1 - box["x"]) / per_second) <= tolerance
    (row,) = api.get(f"/api/projects/{pid}/export", params={"exportType": "JSON_MIN"}).json()
    assert row["transcription"] == "hello there"
    (segment,) = row["labels"]
    assert segment["labels"] == ["Speech"]
    assert segment["start"] == pytest.approx(line["offset"])
    assert segment["end"] == pytest.approx(line["offset"] + line["duration"])


W, H = 640, 480


def test_object_detection_on_the_labeling_screen_exports_the_box_in_pixels(
    page: Page, api: httpx.Client
) -> None:
    pid, tid, image = _upload(api, "object_detection", "street.png", png(W, H), "image/png")
    page.goto(f"/projects/{pid}/label")
    expect(page.locator("#lb-task-id")).to_have_text(f"#{tid}")
    expect(page.locator(".lw-image[data-loaded=true]")).to_be_attached()
    bb = page.locator(".lw-image-overlay").first.bounding_box()
    assert bb is not None
    a = (bb["x"] + 0.25 * bb["width"], bb["y"] + 0.2 * bb["height"])
    b = (bb["x"] + 0.7 * bb["width"], bb["y"] + 0.65 * bb["height"])
    page.keyboard.press("1")  # Car
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=5)
    page.mouse.up()
    expect(page.locator(".lw-region")).to_have_count(1)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-done")).to_be_visible()

    # Where the drag began and ended, in pixels of the image itself.
    px = [(p[0] - bb["x"]) / bb["width"] * W for p in (a, b)]
    py = [(p[1] - bb["y"]) / bb["height"] * H for p in (a, b)]
    r = api.get(f"/api/projects/{pid}/export", params={"exportType": "COCO"})
    coco = json.loads(zipfile.ZipFile(io.BytesIO(r.content)).read("result.json"))
    assert [(i["width"], i["height"]) for i in coco["images"]] == [(W, H)]
    (entry,) = coco["annotations"]
    assert {c["id"]: c["name"] for c in coco["categories"]}[entry["category_id"]] == "Car"
    x, y, w, h = entry["bbox"]
    assert abs(x - px[0]) <= 0.5 and abs(y - py[0]) <= 0.5
    assert abs(x + w - px[1]) <= 0.5 and abs(y + h - py[1]) <= 0.5

    stem = image.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    voc = zipfile.ZipFile(
        io.BytesIO(api.get(f"/api/projects/{pid}/export", params={"exportType": "VOC"}).content)
    )
    root = ET.fromstring(voc.read(f"Annotations/{stem}.xml"))
    corners = [int(root.findtext(f"object/bndbox/{k}") or -1) for k in ("xmin", "ymin", "xmax", "ymax")]
    assert corners == [int(x), int(y), int(x) + int(w), int(y) + int(h)]  # LS truncates, as here
    yolo = zipfile.ZipFile(
        io.BytesIO(api.get(f"/api/projects/{pid}/export", params={"exportType": "YOLO"}).content)
    )
    (line,) = yolo.read(f"labels/{stem}.txt").decode().splitlines()
    cls, cx, cy, nw, nh = line.split()
    assert yolo.read("classes.txt").decode().splitlines()[int(cls)] == "Car"
    assert [float(cx), float(cy), float(nw), float(nh)] == pytest.approx(
        [(x + w / 2) / W, (y + h / 2) / H, w / W, h / H], abs=1e-5
    )


def _image_box(page: Page) -> dict[str, float]:
    expect(page.locator(".lw-image[data-loaded=true]")).to_be_attached()
    bb = page.locator(".lw-image-overlay").first.bounding_box()
    assert bb is not None
    return bb


def _at(bb: dict[str, float], fx: float, fy: float) -> tuple[float, float]:
    return bb["x"] + fx * bb["width"], bb["y"] + fy * bb["height"]


def _pixels(bb: dict[str, float], point: tuple[float, float]) -> tuple[float, float]:
    """A screen point in pixels of the 640x480 image, through the image's on-screen box."""
    return (point[0] - bb["x"]) / bb["width"] * W, (point[1] - bb["y"]) / bb["height"] * H


def _export(api: httpx.Client, pid: int, fmt: str) -> httpx.Response:
    r = api.get(f"/api/projects/{pid}/export", params={"exportType": fmt})
    assert r.status_code == 200, r.text
    return r


def test_polygon_segmentation_on_the_labeling_screen_exports_the_polygon(
    page: Page, api: httpx.Client
) -> None:
    pid, tid, image = _upload(api, "polygon_segmentation", "aerial.png", png(W, H), "image/png")
    page.goto(f"/projects/{pid}/label")
    expect(page.locator("#lb-task-id")).to_have_text(f"#{tid}")
    bb = _image_box(page)
    clicks = [_at(bb, 0.2, 0.2), _at(bb, 0.6, 0.25), _at(bb, 0.4, 0.7)]
    page.keyboard.press("1")  # Building
    for point in clicks:
        page.mouse.click(*point)
    page.mouse.click(*clicks[0])  # back on the first point closes it
    expect(page.locator(".lw-region")).to_have_count(1)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-done")).to_be_visible()

    coco = json.loads(zipfile.ZipFile(io.BytesIO(_export(api, pid, "COCO").content)).read("result.json"))
    (entry,) = coco["annotations"]
    assert {c["id"]: c["name"] for c in coco["categories"]}[entry["category_id"]] == "Building"
    (flat,) = entry["segmentation"]
    corners = list(zip(flat[::2], flat[1::2], strict=True))
    expected = [_pixels(bb, c) for c in clicks]
    assert len(corners) == 3
    for (x, y), (ex, ey) in zip(corners, expected, strict=True):
        assert abs(x - ex) <= 0.5 and abs(y - ey) <= 0.5
    yolo = zipfile.ZipFile(io.BytesIO(_export(api, pid, "YOLO").content))
    stem = image.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    (line,) = yolo.read(f"labels/{stem}.txt").decode().splitlines()
    numbers = [float(v) for v in line.split()[1:]]
    assert numbers == pytest.approx([c for x, y in corners for c in (x / W, y / H)], abs=1e-5)


def test_ocr_on_the_labeling_screen_exports_the_box_and_its_text(page: Page, api: httpx.Client) -> None:
    pid, tid, _ = _upload(api, "ocr", "receipt.png", png(W, H), "image/png")
    page.goto(f"/projects/{pid}/label")
    expect(page.locator("#lb-task-id")).to_have_text(f"#{tid}")
    bb = _image_box(page)
    a, b = _at(bb, 0.1, 0.4), _at(bb, 0.8, 0.55)
    page.keyboard.press("1")  # Text
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=5)
    page.mouse.up()
    expect(page.locator(".lw-region")).to_have_count(1)
    textarea = page.locator(".lw-textarea textarea").first
    if not textarea.is_visible():  # the new box is not selected yet: select it in the regions list
        page.locator(".lw-region").first.click()
    expect(textarea).to_be_visible()
    textarea.fill("TOTAL 12.50")
    textarea.press("Enter")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-done")).to_be_visible()

    (row,) = _export(api, pid, "JSON_MIN").json()
    assert row["transcription"] == "TOTAL 12.50"
    (box,) = row["bbox"]
    assert box["rectanglelabels"] == ["Text"] and (box["original_width"], box["original_height"]) == (W, H)
    coco = json.loads(zipfile.ZipFile(io.BytesIO(_export(api, pid, "COCO").content)).read("result.json"))
    (entry,) = coco["annotations"]
    (ax, ay), (bx, by) = _pixels(bb, a), _pixels(bb, b)
    x, y, w, h = entry["bbox"]
    assert abs(x - ax) <= 0.5 and abs(y - ay) <= 0.5 and abs(x + w - bx) <= 0.5 and abs(y + h - by) <= 0.5


def test_keypoints_on_the_labeling_screen_are_stored_where_clicked(page: Page, api: httpx.Client) -> None:
    pid, tid, _ = _upload(api, "keypoints", "person.png", png(W, H), "image/png")
    page.goto(f"/projects/{pid}/label")
    expect(page.locator("#lb-task-id")).to_have_text(f"#{tid}")
    bb = _image_box(page)
    point = _at(bb, 0.45, 0.2)
    page.keyboard.press("1")  # Nose
    page.mouse.click(*point)
    expect(page.locator(".lw-region")).to_have_count(1)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-done")).to_be_visible()
    (row,) = _export(api, pid, "JSON_MIN").json()
    (kp,) = row["keypoint"]
    px, py = _pixels(bb, point)
    assert kp["keypointlabels"] == ["Nose"]
    assert abs(kp["x"] / 100 * W - px) <= 0.5 and abs(kp["y"] / 100 * H - py) <= 0.5


# --- media on a plain http host, through the proxy ---

HOSTED: dict[str, tuple[str, bytes]] = {}


class _Host(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        found = HOSTED.get(self.path)
        if found is None:
            self.send_error(404)
            return
        kind, body = found
        status, extra = 200, {"Accept-Ranges": "bytes"}
        wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if wanted:
            start, end = int(wanted.group(1)), int(wanted.group(2) or len(body) - 1)
            extra["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
            status, body = 206, body[start : end + 1]
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def media_host() -> Iterator[str]:
    host = ThreadingHTTPServer(("127.0.0.2", 0), _Host)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    yield f"http://127.0.0.2:{host.server_address[1]}"
    host.shutdown()
    host.server_close()


@pytest.fixture(scope="module")
def proxying(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second server, allowed to reach the loopback media host (as a deployment would allow its CDN)."""
    server = launch_server(
        Path(tmp_path_factory.mktemp("proxy-data")), env_extra={"LABELWISE_SSRF_ALLOW_HOSTS": "127.0.0.2"}
    )
    yield server
    stop_server(server)


@pytest.fixture
def proxy_page(browser: Browser, proxying: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from signed_in_page(browser, proxying, request, (proxying.email, proxying.password))


def test_audio_on_an_http_host_plays_through_the_proxy(
    proxy_page: Page, proxying: Server, media_host: str
) -> None:
    HOSTED["/speech/call.wav"] = ("audio/wav", wav(DURATION, tones=TONES))
    url = f"{media_host}/speech/call.wav"
    with proxying.api() as api:
        pid = make_project(api, get_template("speaker_segmentation").config, [{"audio": url}])
        (task,) = api.get("/api/tasks", params={"project": pid}).json()["tasks"]
        proxy_page.goto(f"/projects/{pid}/label")
        expect(proxy_page.locator(".lw-audio")).to_have_attribute("data-state", "ready", timeout=30_000)
        expect(proxy_page.locator(".lw-audio-time")).to_contain_text("0:04.000")
        proxy_page.keyboard.press("1")
        box = _wave(proxy_page)
        _drag(proxy_page, box["x"] + box["width"] * 0.125, box["x"] + box["width"] * 0.375)
        expect(proxy_page.locator(".lw-audio-region")).to_have_count(1)
        proxy_page.keyboard.press("Control+Enter")
        expect(proxy_page.locator("#lb-done")).to_be_visible()
        (ann,) = api.get(f"/api/tasks/{task['id']}/annotations").json()
        (segment,) = ann["result"]
        assert abs(segment["value"]["start"] - 0.5) < 0.05 and abs(segment["value"]["end"] - 1.5) < 0.05
        # The task keeps the host's URL; only the editor loads it through Labelwise.
        assert api.get(f"/api/tasks/{task['id']}").json()["data"]["audio"] == url


def test_a_missing_file_on_the_http_host_offers_the_skip(
    proxy_page: Page, proxying: Server, media_host: str
) -> None:
    with proxying.api() as api:
        config = get_template("speaker_segmentation").config
        pid = make_project(api, config, [{"audio": f"{media_host}/speech/gone.wav"}])
        proxy_page.goto(f"/projects/{pid}/label")
        expect(proxy_page.locator("#lb-media-broken")).to_be_visible()
        expect(proxy_page.locator("#lb-media-broken")).to_contain_text("404")
        expect(proxy_page.get_by_role("button", name="Skip: media cannot be loaded")).to_be_visible()


def test_an_image_on_an_http_host_shows_through_the_proxy(
    proxy_page: Page, proxying: Server, media_host: str
) -> None:
    HOSTED["/pics/street.png"] = ("image/png", png(320, 200))
    with proxying.api() as api:
        config = get_template("object_detection").config
        pid = make_project(api, config, [{"image": f"{media_host}/pics/street.png"}])
        proxy_page.goto(f"/projects/{pid}/label")
        shown = proxy_page.locator(".lw-image[data-loaded=true]")
        expect(shown).to_have_attribute("data-natural-width", "320")
        expect(shown).to_have_attribute("data-natural-height", "200")
        src = proxy_page.locator(".lw-image-img").first.get_attribute("src") or ""
        assert src.startswith("/tasks/") and "/media?fileuri=" in src
