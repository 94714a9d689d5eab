"""A paused annotator opening the labeling screen is told why, in the manager's words, instead of a load
error; resumed, they label again."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, expect

from tests.browser.conftest import SENTIMENT_CONFIG, PageProblems, Server, make_project, sign_in

PASSWORD = "paused-password-1"
PROBE = "<img src=x onerror=window.__paused=1>Too many mistakes"


def test_a_paused_annotator_sees_the_reason_then_labels_once_resumed(
    browser: Browser, server: Server, api: httpx.Client
) -> None:
    pid = make_project(api, SENTIMENT_CONFIG, tasks=[{"text": "first"}], title="Paused queue")
    email = "paused-annotator@example.com"
    r = api.post("/api/users", json={"email": email, "password": PASSWORD, "role": "annotator"})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    r = api.post(f"/api/projects/{pid}/members", json={"user": uid, "role": "annotator"})
    assert r.status_code == 201, r.text
    r = api.post(
        f"/api/projects/{pid}/members/{uid}/pauses", json={"reason": "MANUAL", "verbose_reason": PROBE}
    )
    assert r.status_code == 201, r.text
    pause_id = r.json()["id"]

    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    problems = PageProblems()
    try:
        sign_in(context, server, email, PASSWORD)
        page = context.new_page()
        page.set_default_timeout(10_000)
        problems.watch(page)
        page.goto(f"/projects/{pid}/label")
        done = page.locator("#lb-done")
        expect(done).to_be_visible()
        expect(done.locator("h2")).to_have_text("You cannot label in this project now")
        expect(done.locator(".lb-done-reason")).to_have_text(f"you are paused in this project: {PROBE}")
        assert page.evaluate("() => window.__paused") is None  # the reason is text, not markup
        expect(page.locator("#lb-done img")).to_have_count(0)
        expect(page.get_by_text("Could not load a task")).to_have_count(0)

        assert api.delete(f"/api/projects/{pid}/members/{uid}/pauses/{pause_id}").status_code == 204
        page.reload()
        expect(page.locator("#lb-editor")).to_be_visible()
        expect(page.locator("#lb-editor")).to_contain_text("first")
    finally:
        context.close()
    assert not problems.errors, "the page reported problems:\n" + "\n".join(problems.errors)
