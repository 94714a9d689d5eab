"""The dashboard in Chromium: the cards, both server-drawn charts and the annotator table render, with no
script error or CSP violation (the charts' colours come from the stylesheet, not inline style)."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from labelwise.labeling.templates import get_template
from tests.browser.conftest import make_project


def _choice(value: str) -> dict[str, Any]:
    return {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def test_dashboard_shows_cards_charts_and_annotators(page: Page, api: httpx.Client) -> None:
    config = get_template("text_classification").config
    pid = make_project(api, config, title="Dashboard <b>probe</b>")
    tasks = [{"data": {"text": f"t{i}"}} for i in range(4)]
    assert api.post(f"/api/projects/{pid}/import", json=tasks).status_code == 201
    listing = api.get("/api/tasks", params={"project": pid}).json()
    ids = sorted(t["id"] for t in (listing["tasks"] if isinstance(listing, dict) else listing))
    for tid in ids[:3]:
        r = api.post(f"/api/tasks/{tid}/annotations", json={"result": [_choice("Positive")], "lead_time": 12})
        assert r.status_code == 201, r.text
    page.goto(f"/projects/{pid}/dashboard")
    expect(page.locator(".project-nav a.active")).to_have_text("Dashboard")
    card = page.locator(".stat-card", has_text="Tasks finished")
    expect(card.locator(".stat-value")).to_have_text("3")
    expect(card.locator(".stat-note")).to_have_text("75%")
    expect(page.locator(".stat-card", has_text="Median lead time").locator(".stat-value")).to_have_text(
        "12 s"
    )
    bars = page.locator("svg.chart .chart-bar")
    expect(bars).to_have_count(30)
    assert bars.last.bounding_box()["height"] > 10  # type: ignore[index]  # today's three annotations
    expect(page.locator("svg.chart .chart-line")).to_have_count(1)
    fill = bars.last.evaluate("el => getComputedStyle(el).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)")  # coloured by dashboard.css
    row = page.locator(".annotator-table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("3")
    expect(row.locator("svg.sparkline")).to_be_visible()
    expect(page.locator(".project-title")).to_have_text("Dashboard <b>probe</b>")
