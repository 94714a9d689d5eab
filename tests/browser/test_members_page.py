"""The members page in Chromium: add a person with a role, change it, pause and resume them,
remove them (that a pause blocks the queue: tests/api/test_pauses.py)."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_project

CONFIG = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>'


def test_add_change_pause_resume_and_remove_a_member(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": "one"}])
    email = f"m-{uuid.uuid4().hex[:8]}@example.com"
    person = api.post("/api/users", json={"email": email, "password": "password-123"}).json()
    page.goto(f"/projects/{pid}/members")
    expect(page.locator("#members-empty")).to_be_visible()
    page.select_option("#add-member select[name=user]", str(person["id"]))
    page.select_option("#add-member select[name=role]", "annotator")
    page.locator("#add-member").get_by_role("button", name="Add").click()
    row = page.locator(f"#members-table tr[data-user='{person['id']}']")
    expect(row).to_contain_text(email)
    row.locator("select.member-role").select_option("reviewer")
    expect(page.locator("#members-status")).to_have_text("Role changed.")
    assert [m["role"] for m in api.get(f"/api/projects/{pid}/members").json()] == ["reviewer"]

    page.once("dialog", lambda d: d.accept("Too many mistakes"))
    row.locator(".member-pause").click()
    expect(row.locator(".member-status")).to_have_text("Paused: Too many mistakes")
    pauses = api.get(f"/api/projects/{pid}/members/{person['id']}/pauses").json()
    assert [p["verbose_reason"] for p in pauses] == ["Too many mistakes"]
    row.locator(".member-resume").click()
    expect(row.locator(".member-status")).to_have_text("Active")
    assert api.get(f"/api/projects/{pid}/members/{person['id']}/pauses").json() == []

    page.once("dialog", lambda d: d.accept())
    row.locator(".member-remove").click()
    expect(page.locator("#members-status")).to_have_text("Removed.")
    assert api.get(f"/api/projects/{pid}/members").json() == []
