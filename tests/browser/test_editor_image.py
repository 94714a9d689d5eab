"""The image editor in real Chromium: Image with its shapes (boxes, polygons, key points, ellipses),
zoom and pan, per-region controls, a valueList of images, and the core's hide/lock for every region."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_project
from tests.browser.editor_support import drag_select, save, stored_result

NEWS = "Ada Lovelace worked with Charles Babbage in London."


def open_task(page: Page, api: httpx.Client, config: str, data: dict[str, object]) -> int:
    project = make_project(api, config, [{"data": data}])
    task: int = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    page.goto(f"/projects/{project}/tasks/{task}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    return task


BOXES = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img" canRotate="true">
    <Label value="Car" hotkey="c"/><Label value="Tree" hotkey="t"/>
  </RectangleLabels>
</View>"""


def png(width: int, height: int) -> bytes:
    """A test image: a gradient, so a broken scale would show, encoded by Pillow."""
    image = Image.new("RGB", (width, height), (40, 90, 160))
    image.paste((220, 180, 60), (width // 4, height // 4, width // 2, height // 2))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def upload_task(page: Page, api: httpx.Client, config: str, width: int, height: int) -> int:
    """A project with one task made by uploading a PNG (a media upload: one task per file)."""
    project = make_project(api, config)
    files = {"file": (f"pic-{width}x{height}.png", png(width, height), "image/png")}
    response = api.post(f"/api/projects/{project}/import", files=files)
    assert response.status_code == 201, response.text
    (task,) = api.get("/api/tasks", params={"project": project}).json()["tasks"]
    assert task["data"]["image"].startswith("/data/upload/")
    page.goto(f"/projects/{project}/tasks/{task['id']}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    expect(page.locator(".lw-image[data-loaded=true]").first).to_be_attached()
    return int(task["id"])


def box(page: Page, index: int = 0) -> dict[str, float]:
    bb = page.locator(".lw-image-overlay").nth(index).bounding_box()
    assert bb is not None
    return bb


def at(bb: dict[str, float], fx: float, fy: float) -> tuple[float, float]:
    """The screen point at fractions (fx, fy) of the image's on-screen box."""
    return bb["x"] + fx * bb["width"], bb["y"] + fy * bb["height"]


def drag(page: Page, a: tuple[float, float], b: tuple[float, float]) -> None:
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=5)
    page.mouse.up()


def percent(bb: dict[str, float], point: tuple[float, float]) -> tuple[float, float]:
    """A screen point as percent of the image, through its on-screen box."""
    return (point[0] - bb["x"]) / bb["width"] * 100, (point[1] - bb["y"]) / bb["height"] * 100


def close(actual: float, expected: float, natural: int) -> bool:
    """Within half a pixel of the natural size, in percent."""
    return abs(actual - expected) <= 50 / natural


def only(result: list[dict[str, Any]], rtype: str) -> dict[str, Any]:
    (item,) = [r for r in result if r["type"] == rtype]
    return item


def test_a_dragged_box_is_stored_in_percent_of_the_natural_size(page: Page, api: httpx.Client) -> None:
    task = upload_task(page, api, BOXES, 400, 300)
    bb = box(page)
    a, b = at(bb, 0.25, 0.2), at(bb, 0.7, 0.65)
    page.keyboard.press("c")
    drag(page, a, b)
    expect(page.locator(".lw-region")).to_have_count(1)
    save(page)
    region = only(stored_result(api, task), "rectanglelabels")
    (ax, ay), (bx, by) = percent(bb, a), percent(bb, b)
    value = region["value"]
    assert close(value["x"], ax, 400) and close(value["y"], ay, 300), value
    assert close(value["width"], bx - ax, 400) and close(value["height"], by - ay, 300), value
    assert value["rectanglelabels"] == ["Car"] and value["rotation"] == 0
    assert (region["original_width"], region["original_height"], region["image_rotation"]) == (400, 300, 0)
    assert (region["from_name"], region["to_name"]) == ("box", "img")


def test_hide_and_lock_work_for_text_regions_too(page: Page, api: httpx.Client) -> None:
    config = """<View><Labels name="l" toName="t"><Label value="PER" hotkey="p"/><Label value="LOC"
      hotkey="l"/></Labels><Text name="t" value="$text"/></View>"""
    task = open_task(page, api, config, {"text": NEWS})
    page.keyboard.press("p")
    drag_select(page, 0, 12)
    row = page.locator(".lw-region")
    expect(row).to_have_count(1)
    painted = "() => CSS.highlights ? [...CSS.highlights.values()].reduce((n, h) => n + h.size, 0) : -1"
    assert page.evaluate(painted) > 0
    row.locator("[data-action=hide]").click()
    expect(row).to_have_class(re.compile(r"\bis-hidden\b"))
    page.wait_for_function(f"({painted})() === 0")
    row.locator("[data-action=hide]").click()
    page.wait_for_function(f"({painted})() > 0")
    row.locator("[data-action=lock]").click()
    expect(row.locator("[data-action=delete]")).to_have_count(0)
    row.locator(".lw-region-text").click()
    expect(row).to_have_class(re.compile(r"\bis-locked\b.*\bis-selected\b|\bis-selected\b.*\bis-locked\b"))
    page.keyboard.press("l")  # relabel refused while locked
    page.keyboard.press("Backspace")  # delete refused while locked
    expect(row).to_have_count(1)
    expect(row.locator(".lw-region-label")).to_have_text("PER")
    row.locator("[data-action=lock]").click()
    page.keyboard.press("Backspace")
    expect(row).to_have_count(0)
    page.keyboard.press("Control+z")
    save(page)
    (region,) = stored_result(api, task)
    assert region["value"]["labels"] == ["PER"] and "hidden" not in region
