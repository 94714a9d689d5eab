"""Aggregated labels in Chromium: the settings page's quality section saves a method per control and runs the
aggregation with its progress; the editor's side panel then shows the task's consensus and confidence."""

from __future__ import annotations

import csv

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_project
from tests.browser.test_datamanager import open_dm

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>'
)


def test_aggregate_from_settings_and_see_the_consensus_in_the_editor(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, tasks=[{"text": f"t{i}"} for i in range(3)])
    ids = sorted(t["id"] for t in api.get("/api/tasks", params={"project": pid}).json()["tasks"])
    for tid in ids:
        result = [
            {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["neg"]}}
        ]
        assert api.post(f"/api/tasks/{tid}/annotations", json={"result": result}).status_code == 201

    page.goto(f"/projects/{pid}/settings#quality")
    form = page.locator("#aggregation-form")
    select = form.locator('select[data-control="sentiment"]')
    expect(select).to_have_value("ds")
    select.select_option("mv")
    form.locator("button[type=submit]").click()
    expect(form.locator(".status")).to_have_text("Saved.")
    assert api.get(f"/api/projects/{pid}").json()["aggregation"] == {"sentiment": "mv"}

    page.locator("#aggregate-now").click()
    expect(page.locator("#aggregate-status")).to_have_text("Done: 3 tasks have a consensus.", timeout=30_000)
    expect(page.locator("#aggregate-now")).to_be_enabled()

    page.goto(f"/projects/{pid}/tasks/{ids[0]}/editor")
    panel = page.get_by_test_id("consensus")
    expect(panel).to_be_visible()
    expect(panel.locator("dt")).to_have_text("sentiment")
    expect(panel.locator(".lw-consensus-answer")).to_have_text("neg")
    expect(panel.locator(".lw-consensus-confidence")).to_have_text("100% · majority vote")

    # The data manager's export takes the annotation choice: "aggregated" gives the consensus per task.
    open_dm(page, pid)
    page.check(f"#dm-body tr[data-task-id='{ids[1]}'] input[type=checkbox]")
    page.select_option("#dm-export-format", "CSV")
    page.select_option("#dm-export-annotations", "aggregated")
    with page.expect_download() as download:
        page.click("[data-action='export-selected']")
    with open(download.value.path(), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(int(r["id"]), r["sentiment"], float(r["confidence"])) for r in rows] == [(ids[1], "neg", 1.0)]
