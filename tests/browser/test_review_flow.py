"""The review workflow in real Chromium: an annotator labels, a reviewer rejects with a comment, the
annotator sees the comment on the labeling screen and resubmits, the reviewer accepts; and a reviewer's
fix in the editor. Outcomes are checked through the REST API."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CHECKED, SENTIMENT_CONFIG, PageProblems, Server, make_project, sign_in

CONFIG = SENTIMENT_CONFIG
PASSWORD = "review-password-1"
_people = itertools.count()


class People:
    """Signed-in pages of project members (each in its own browser context), closed at the end."""

    def __init__(self, browser: Browser, server: Server, api: httpx.Client) -> None:
        self.browser, self.server, self.api = browser, server, api
        self.contexts: list[Any] = []
        self.problems = PageProblems()

    def page(self, project_id: int, role: str) -> Page:
        email = f"{role}-{next(_people)}@review.example.com"
        r = self.api.post("/api/users", json={"email": email, "password": PASSWORD, "role": role})
        assert r.status_code == 201, r.text
        r = self.api.post(f"/api/projects/{project_id}/members", json={"user": r.json()["id"], "role": role})
        assert r.status_code == 201, r.text
        context = self.browser.new_context(base_url=self.server.url, viewport={"width": 1280, "height": 800})
        self.contexts.append(context)
        sign_in(context, self.server, email, PASSWORD)
        page = context.new_page()
        page.set_default_timeout(10_000)
        self.problems.watch(page)
        return page


@pytest.fixture
def people(browser: Browser, server: Server, api: httpx.Client) -> Iterator[People]:
    crowd = People(browser, server, api)
    yield crowd
    for context in crowd.contexts:
        context.close()
    assert not crowd.problems.errors, "the pages reported problems:\n" + "\n".join(crowd.problems.errors)


def _project(api: httpx.Client, text: str) -> tuple[int, int]:
    pid = make_project(api, CONFIG, title="Review flow")
    r = api.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": text}])
    assert r.status_code == 201, r.text
    return pid, int(r.json()["task_ids"][0])


def _annotation(api: httpx.Client, tid: int) -> dict[str, Any]:
    (ann,) = api.get(f"/api/tasks/{tid}/annotations").json()
    return ann  # type: ignore[no-any-return]


def test_reject_with_comment_then_resubmit_then_accept(people: People, api: httpx.Client) -> None:
    pid, tid = _project(api, "The service was fine, I guess.")
    annotator = people.page(pid, "annotator")
    reviewer = people.page(pid, "reviewer")

    # The annotator labels the task on the labeling screen.
    annotator.goto(f"/projects/{pid}/label")
    expect(annotator.locator("#lb-task-id")).to_have_text(f"#{tid}")
    annotator.keyboard.press("1")
    annotator.keyboard.press("Control+Enter")
    expect(annotator.locator("#lb-done")).to_be_visible()

    # The reviewer sees it read-only, with the task's agreement, and rejects it with a comment.
    reviewer.goto(f"/projects/{pid}/review")
    expect(reviewer.locator("#rv-task-id")).to_have_text(f"#{tid}")
    expect(reviewer.locator("#rv-agreement")).to_have_text("n/a")  # one annotator: no pairs
    expect(reviewer.locator(f"#rv-editor {CHECKED}")).to_have_text("Positive")
    expect(reviewer.locator("#rv-editor .lw-editor.is-readonly")).to_have_count(1)
    reviewer.locator("#rv-reject").click()
    comment = "It reads <b>negative</b> to me"
    reviewer.locator("#rv-comment").fill(comment)
    reviewer.locator("#rv-reject-confirm").click()
    expect(reviewer.locator("#rv-done")).to_be_visible()
    ann = _annotation(api, tid)
    assert ann["review_state"] == "rejected"

    # The annotator reopens the task and sees the comment (as text), changes the label and resubmits.
    annotator.goto(f"/projects/{pid}/label?task={tid}")
    notice = annotator.locator("#lb-review")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(comment)
    expect(notice).to_contain_text("Rejected by reviewer-")
    expect(annotator.locator("#lb-review b")).to_have_count(0)
    expect(annotator.locator("#lb-submit")).to_have_text("Update")
    annotator.keyboard.press("2")
    annotator.keyboard.press("Control+Enter")
    expect(annotator.locator("#lb-done")).to_be_visible()
    ann = _annotation(api, tid)
    assert ann["review_state"] is None and ann["result"][0]["value"] == {"choices": ["Negative"]}

    # Pending again: the reviewer gets it back and accepts it.
    reviewer.goto(f"/projects/{pid}/review")
    expect(reviewer.locator("#rv-task-id")).to_have_text(f"#{tid}")
    expect(reviewer.locator(f"#rv-editor {CHECKED}")).to_have_text("Negative")
    reviewer.locator("#rv-accept").click()
    expect(reviewer.locator("#rv-done")).to_be_visible()
    assert _annotation(api, tid)["review_state"] == "accepted"
    reviews = api.get(f"/api/annotation-reviews?annotation={ann['id']}").json()
    assert [(r["accepted"], r["comment"]) for r in reviews] == [(False, comment), (True, "")]


def test_a_reviewer_fixes_an_annotation_in_the_editor(people: People, api: httpx.Client) -> None:
    pid, tid = _project(api, "Neither good nor bad.")
    annotator = people.page(pid, "annotator")
    reviewer = people.page(pid, "reviewer")
    annotator.goto(f"/projects/{pid}/label")
    expect(annotator.locator("#lb-task-id")).to_have_text(f"#{tid}")
    annotator.keyboard.press("1")
    annotator.keyboard.press("Control+Enter")
    expect(annotator.locator("#lb-done")).to_be_visible()

    reviewer.goto(f"/projects/{pid}/review")
    expect(reviewer.locator(f"#rv-editor {CHECKED}")).to_have_text("Positive")
    reviewer.locator("#rv-fix").click()
    expect(reviewer.locator("#rv-fix-submit")).to_be_visible()
    expect(reviewer.locator("#rv-editor .lw-editor.is-readonly")).to_have_count(0)
    reviewer.locator("#rv-editor .lw-choice", has_text="Neutral").click()
    expect(reviewer.locator(f"#rv-editor {CHECKED}")).to_have_text("Neutral")
    reviewer.locator("#rv-fix-submit").click()
    expect(reviewer.locator("#rv-done")).to_be_visible()
    ann = _annotation(api, tid)
    assert ann["review_state"] == "fixed" and ann["result"][0]["value"] == {"choices": ["Neutral"]}
    history = api.get(f"/api/annotation-history?annotation={ann['id']}").json()
    assert [h["result"][0]["value"]["choices"] for h in history] == [["Positive"], ["Neutral"]]
