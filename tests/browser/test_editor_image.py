"""The image editor in real Chromium: Image with its shapes (boxes, polygons, key points, ellipses),
zoom and pan, per-region controls, a valueList of images, and the core's hide/lock for every region."""

from __future__ import annotations

import re

import httpx
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
