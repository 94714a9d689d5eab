"""Quality control in real Chromium: the settings section saves gold, exam and overlap settings, and
training mode shows the correct answer and the instructions after a submit on a gold task."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, make_project, sign_in
from tests.browser.test_labeling_screen import CONFIG, _choice, _on_task, _project


def test_quality_control_settings_are_checked_and_saved(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, title="Quality")
    page.goto(f"/projects/{pid}/settings")
    form = page.locator("#quality-form")
    expect(form.locator("input[name=gold_threshold]")).to_have_value("0.7")
    form.locator("input[name=gold_rate]").fill("2")
    form.get_by_role("button", name="Save").click()
    expect(form.locator("[data-error-for=gold_rate]")).to_have_text("A number from 0 to 1.")
    form.locator("input[name=gold_rate]").fill("0.15")
    form.locator("input[name=exam_tasks]").fill("4")
    form.locator("input[name=training]").check()
    form.locator("input[name=dynamic_overlap]").check()
    form.get_by_role("button", name="Save").click()
    expect(form.locator(".status")).to_have_text("Saved.")
    got = api.get(f"/api/projects/{pid}").json()
    assert (got["gold_rate"], got["exam_tasks"], got["training"], got["dynamic_overlap"]) == (
        0.15,
        4,
        True,
        True,
    )
    page.reload()
    expect(page.locator("#quality-form input[name=gold_rate]")).to_have_value("0.15")


def test_training_shows_the_correct_answer_and_the_instructions(
    page: Page, api: httpx.Client, server: Server
) -> None:
    pid, ids = _project(
        api,
        ["a gold text", "a plain text"],
        gold_rate=1.0,
        training=True,
        expert_instruction="Pick **Positive** for praise.",
    )
    r = api.post(f"/api/projects/{pid}/gold", json={"tasks": [ids[0]], "result": _choice("Positive")})
    assert r.status_code == 200, r.text
    # An annotator: the ground truth's author is never handed their own answer key.
    email = f"trainee{pid}@example.com"
    person = api.post("/api/users", json={"email": email, "password": "password-123"}).json()
    assert api.post(
        f"/api/projects/{pid}/members", json={"user": person["id"], "role": "annotator"}
    ).is_success
    page.context.clear_cookies()
    sign_in(page.context, server, email, "password-123")
    page.goto(f"/projects/{pid}/label")
    _on_task(page, ids[0])
    page.keyboard.press("2")  # Negative: wrong
    page.keyboard.press("Control+Enter")
    dialog = page.locator("#lb-feedback")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#lb-feedback-title")).to_have_text("Not quite")
    expect(dialog.locator("#lb-feedback-answer li")).to_have_text(["sentiment: Positive"])
    expect(dialog.locator("#lb-feedback-instructions strong")).to_have_text("Positive")
    dialog.get_by_role("button", name="Continue").click()
    expect(dialog).to_be_hidden()
    _on_task(page, ids[1])  # then the queue goes on
