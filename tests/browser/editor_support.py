"""Helpers the editor's browser tests share: open a task in the editor page, select text with the mouse."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from labelwise.labeling.templates import get_template
from tests.browser.conftest import make_project

# Rectangles of the characters [start, end) (code points) of the n-th `.lw-text`, found in the page.
_RECTS = """([selector, start, end]) => {
  const root = document.querySelectorAll(selector)[0];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let cp = 0, first = null, last = null, node;
  while ((node = walker.nextNode())) {
    const chars = Array.from(node.data);
    let u = 0;
    for (const ch of chars) {
      if (cp === start) first = [node, u, u + ch.length];
      if (cp === end - 1) last = [node, u, u + ch.length];
      u += ch.length; cp += 1;
    }
  }
  const rect = ([n, a, b]) => { const r = document.createRange(); r.setStart(n, a); r.setEnd(n, b);
    const box = r.getClientRects()[0]; return {x: box.left, y: box.top, w: box.width, h: box.height}; };
  return [rect(first), rect(last)];
}"""


def open_editor(page: Page, api: httpx.Client, template: str, data: list[dict[str, Any]]) -> list[int]:
    """A project from a built-in template with these tasks; opens the first in the editor page."""
    project = make_project(api, get_template(template).config, [{"data": d} for d in data])
    tasks = api.get("/api/tasks", params={"project": project}).json()
    rows = tasks["tasks"] if isinstance(tasks, dict) else tasks
    ids = sorted(t["id"] for t in rows)
    page.goto(f"/projects/{project}/tasks/{ids[0]}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    return ids


def drag_select(page: Page, start: int, end: int, selector: str = ".lw-text") -> None:
    """Select code points [start, end) of the text by dragging the mouse across them."""
    first, last = page.evaluate(_RECTS, [selector, start, end])
    page.mouse.move(first["x"] + 1, first["y"] + first["h"] / 2)
    page.mouse.down()
    page.mouse.move(last["x"] + last["w"] - 1, last["y"] + last["h"] / 2, steps=4)
    page.mouse.up()


def click_char(page: Page, offset: int, selector: str = ".lw-text") -> None:
    """Click in the middle of the character at this code-point offset."""
    first, _ = page.evaluate(_RECTS, [selector, offset, offset + 1])
    page.mouse.click(first["x"] + first["w"] / 2, first["y"] + first["h"] / 2)


def save(page: Page) -> None:
    page.locator("#editor-save").click()
    expect(page.locator("#editor-state")).to_have_text("Saved")


def stored_result(api: httpx.Client, task_id: int) -> list[dict[str, Any]]:
    annotations = api.get(f"/api/tasks/{task_id}/annotations").json()
    assert len(annotations) == 1, annotations
    result: list[dict[str, Any]] = annotations[0]["result"]
    return result
