"""The issue's "done when", end to end on a fresh installation: a new user signs up, creates a project from a
template, imports a file, labels every task with the keyboard only, then sees the results in the data manager
and in the export."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server

CSV = "text\nThe screen is gorgeous.\nThe speaker crackles.\nIt is a phone.\n"


def test_sign_up_create_import_label_by_keyboard_and_export(fresh_page: tuple[Page, Server]) -> None:
    page, server = fresh_page
    # Sign up: the first user of the installation becomes its owner.
    page.goto("/user/signup")
    page.fill("input[name=email]", "lead@example.com")
    page.fill("input[name=password]", "lead-password-1")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/projects$"))

    # Create a project from the gallery.
    page.get_by_role("link", name="Create project").first.click()
    page.fill("input[name=title]", "Reviews")
    page.locator(".template-card[data-template-id='text_classification']").click()
    expect(page.locator("[data-config-status]")).to_have_text("Valid")
    page.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(re.compile(r"/projects/\d+/data\?import=1$"))
    project_id = int(re.search(r"/projects/(\d+)/", page.url).group(1))  # type: ignore[union-attr]

    # Import a CSV through the dialog the data manager opened.
    expect(page.locator("#dm-import")).to_be_visible()
    page.set_input_files(
        "#dm-import input[type=file]",
        files=[{"name": "reviews.csv", "mimeType": "text/csv", "buffer": CSV.encode()}],
    )
    expect(page.locator("#dm-files li[data-state='staged']")).to_have_count(1)
    page.click("#dm-run-import")
    expect(page.locator("#dm-import-status")).to_have_text("Imported 3 tasks, 0 annotations, 0 predictions.")
    page.click("[data-action='close-import']")
    expect(page.locator("#dm-body tr")).to_have_count(3)

    # Label every task with the keyboard only: a number key picks the choice, Ctrl+Enter submits.
    page.click("#dm-label-all")
    expect(page).to_have_url(re.compile(rf"/projects/{project_id}/label$"))
    listed = page.request.get(f"/api/tasks?project={project_id}").json()
    task_ids = sorted(t["id"] for t in (listed["tasks"] if isinstance(listed, dict) else listed))
    for task_id, key in zip(task_ids, ("1", "2", "3"), strict=True):
        expect(page.locator("#lb-task-id")).to_have_text(f"#{task_id}")
        page.keyboard.press(key)
        page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-done")).to_be_visible()

    # The data manager shows every task annotated, by this user.
    page.goto(f"/projects/{project_id}/data")
    expect(page.locator("#dm-counts")).to_have_text("3 tasks · 3 annotations · 0 predictions")
    expect(page.locator("#dm-body tr", has_text="lead@example.com")).to_have_count(3)

    # And the export has the three answers, in Label Studio's JSON.
    exported = page.request.get(f"/api/projects/{project_id}/export?exportType=JSON").json()
    answers = {
        task["data"]["text"]: task["annotations"][0]["result"][0]["value"]["choices"][0] for task in exported
    }
    assert sorted(answers.values()) == ["Negative", "Neutral", "Positive"]
    assert all(task["annotations"][0]["completed_by"] for task in exported)
    assert httpx.get(server.url + "/api/auth/signup").json()["needs_token"] is True
