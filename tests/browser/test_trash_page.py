"""The admin pages of the audit trail: the trash restores a deleted task; the activity log lists it."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_project

CONFIG = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>'


def test_restore_a_deleted_task_from_the_trash_page(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": "<b>kept</b>"}], title="Trash <i>page</i>")
    task = api.get("/api/tasks", params={"project": pid}).json()["tasks"][0]
    assert api.delete(f"/api/tasks/{task['id']}").status_code == 204
    page.goto(f"/trash?project={pid}")
    row = page.locator("#trash-table tbody tr").first
    expect(row).to_contain_text("Trash <i>page</i>")  # shown as text, not markup
    expect(row.locator(".state")).to_have_text("kept")
    row.get_by_role("button", name="Restore").click()
    expect(row.locator(".state")).to_have_text("restored")
    expect(row.get_by_role("button", name="Restore")).to_have_count(0)
    assert api.get(f"/api/tasks/{task['id']}").json()["data"] == {"text": "<b>kept</b>"}
    page.goto(f"/activity?project={pid}&action=trash.restored")
    expect(page.locator("#activity-table tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Activity", exact=True).click()
    expect(page).to_have_url(re.compile(r"/activity$"))  # the top menu's link, for admins
