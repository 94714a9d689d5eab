"""The labeling screen in real Chromium: keyboard-only labeling through the queue, skip with a reason,
drafts restored after a reload, updating an earlier task from the history list, predictions as
pre-annotations with a version switch, `?ids=` order, the all-done state, and hostile instructions and
task data rendering inert. Results are checked through the REST API."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHECKED, SENTIMENT_CONFIG, make_project

CONFIG = SENTIMENT_CONFIG


def _project(api: httpx.Client, texts: list[str], **fields: Any) -> tuple[int, list[int]]:
    pid = make_project(api, CONFIG, **fields)
    r = api.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": t} for t in texts])
    assert r.status_code == 201, r.text
    return pid, list(r.json()["task_ids"])


def _choice(value: str) -> list[dict[str, Any]]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


def _chosen(result: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """What a result says, without the ids and origin the editor adds."""
    return [(r["from_name"], r["value"]) for r in result]


def _annotations(api: httpx.Client, tid: int) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = api.get(f"/api/tasks/{tid}/annotations").json()
    return data


def _open(page: Page, pid: int, query: str = "") -> None:
    page.goto(f"/projects/{pid}/label{query}")


def _on_task(page: Page, tid: int) -> None:
    expect(page.locator("#lb-task-id")).to_have_text(f"#{tid}")


def test_keyboard_only_through_the_queue_to_all_done(page: Page, api: httpx.Client) -> None:
    pid, ids = _project(api, ["first text", "second text", "third text"])
    _open(page, pid)
    for tid, key in zip(ids, ["1", "2", "3"], strict=True):
        _on_task(page, tid)
        page.keyboard.press(key)
        page.keyboard.press("Control+Enter")
    done = page.locator("#lb-done")
    expect(done).to_be_visible()
    expect(done.get_by_role("link", name="Back to the data")).to_have_attribute(
        "href", f"/projects/{pid}/data"
    )
    for tid, value in zip(ids, ["Positive", "Negative", "Neutral"], strict=True):
        (ann,) = _annotations(api, tid)
        assert ann["result"][0]["value"] == {"choices": [value]}
        assert ann["was_cancelled"] is False
        assert ann["lead_time"] > 0
    # The history lists them, newest first.
    expect(page.locator("#lb-history .lb-history-id")).to_have_text([f"#{i}" for i in reversed(ids)])


def test_the_per_annotator_limit_ends_the_queue_with_its_reason(page: Page, api: httpx.Client) -> None:
    pid, ids = _project(api, ["first text", "second text"], annotation_limit_count=1)
    _open(page, pid)
    _on_task(page, ids[0])
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    done = page.locator("#lb-done")
    expect(done).to_be_visible()
    expect(done.locator(".lb-done-reason")).to_have_text(
        "you have reached the annotation limit of this project (1 tasks)"
    )
    assert _annotations(api, ids[1]) == []


def test_required_choice_blocks_submit_and_skip_takes_a_reason(page: Page, api: httpx.Client) -> None:
    pid, ids = _project(api, ["unclear", "clear"])
    _open(page, pid)
    _on_task(page, ids[0])
    page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-status")).to_contain_text("Choose an option")
    assert _annotations(api, ids[0]) == []
    page.keyboard.press("Control+Space")
    dialog = page.locator("#lb-skip-dialog")
    expect(dialog).to_be_visible()
    page.locator("#lb-skip-reason").fill("Not in English")
    page.keyboard.press("Control+Enter")
    _on_task(page, ids[1])
    (ann,) = _annotations(api, ids[0])
    assert ann["was_cancelled"] is True
    assert ann["skip_reason"] == "Not in English"
    assert ann["lead_time"] > 0
    expect(page.locator("#lb-history .lb-history-state").first).to_have_text("skipped")


def test_no_skip_when_the_project_hides_it(page: Page, api: httpx.Client) -> None:
    pid, (tid,) = _project(api, ["must label"], show_skip_button=False)
    _open(page, pid)
    _on_task(page, tid)
    expect(page.locator("button[data-action='skip']")).to_have_count(0)
    page.keyboard.press("Control+Space")
    expect(page.locator("#lb-skip-dialog")).to_be_hidden()
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-done")).to_be_visible()
    assert [a["was_cancelled"] for a in _annotations(api, tid)] == [False]


def test_draft_is_saved_and_restored_after_reload(page: Page, api: httpx.Client) -> None:
    pid, ids = _project(api, ["keep my work"])
    _open(page, pid)
    _on_task(page, ids[0])
    with page.expect_response(
        lambda r: f"/api/tasks/{ids[0]}/drafts" in r.url and r.request.method == "POST"
    ):
        page.keyboard.press("2")
    (draft,) = api.get(f"/api/tasks/{ids[0]}/drafts").json()
    assert _chosen(draft["result"]) == _chosen(_choice("Negative"))
    page.reload()
    _on_task(page, ids[0])
    expect(page.locator(CHECKED)).to_have_text("Negative")
    expect(page.locator("#lb-status")).to_have_text("Draft restored.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-done")).to_be_visible()
    assert _chosen(_annotations(api, ids[0])[0]["result"]) == _chosen(_choice("Negative"))
    assert api.get(f"/api/tasks/{ids[0]}/drafts").json() == []  # submitting dropped it


def test_leaving_the_page_saves_the_draft_at_once(page: Page, api: httpx.Client) -> None:
    """No waiting for the debounce: leaving the page (pagehide) sends the draft with keepalive (Playwright
    does not report requests of an unloading page, so the test reopens the screen)."""
    pid, ids = _project(api, ["leave quickly"])
    _open(page, pid)
    _on_task(page, ids[0])
    page.keyboard.press("3")
    expect(page.locator(CHECKED)).to_have_text("Neutral")
    drafts = f"/api/tasks/{ids[0]}/drafts"
    page.goto("/projects")  # within the debounce second: only pagehide can have saved it
    _open(page, pid)
    _on_task(page, ids[0])
    expect(page.locator("#lb-status")).to_have_text("Draft restored.")
    expect(page.locator(CHECKED)).to_have_text("Neutral")
    (draft,) = api.get(drafts).json()
    assert _chosen(draft["result"]) == _chosen(_choice("Neutral"))
    assert draft["lead_time"] > 0


def test_update_an_earlier_task_from_the_history(page: Page, api: httpx.Client) -> None:
    pid, ids = _project(api, ["one", "two"])
    _open(page, pid)
    _on_task(page, ids[0])
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    _on_task(page, ids[1])
    page.locator("#lb-history button[data-task]", has_text=f"#{ids[0]}").click()
    _on_task(page, ids[0])
    expect(page.locator("#lb-submit")).to_have_text("Update")
    expect(page.locator(CHECKED)).to_have_text("Positive")
    page.keyboard.press("3")
    page.keyboard.press("Control+Enter")
    _on_task(page, ids[1])  # back to the queue task
    expect(page.locator("#lb-submit")).to_have_text("Submit")
    (ann,) = _annotations(api, ids[0])
    assert _chosen(ann["result"]) == _chosen(_choice("Neutral"))
    assert ann["last_action"] == "updated"


def test_predictions_preloaded_and_version_switch(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG)
    item = {
        "data": {"text": "predicted"},
        "predictions": [
            {"model_version": "v1", "result": _choice("Positive")},
            {"model_version": "v2", "result": _choice("Negative")},
        ],
    }
    r = api.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[item])
    (tid,) = r.json()["task_ids"]
    preds = {p["model_version"]: p["id"] for p in api.get(f"/api/predictions?task={tid}").json()}
    _open(page, pid)
    _on_task(page, tid)
    expect(page.locator(CHECKED)).to_have_text("Negative")  # the newest version
    select = page.locator("#lb-prediction-select")
    expect(select).to_have_value(str(preds["v2"]))
    select.select_option(str(preds["v1"]))
    expect(page.locator(CHECKED)).to_have_text("Positive")
    page.locator("button[data-action='undo']").click()  # the switch was one undo step
    expect(page.locator(CHECKED)).to_have_text("Negative")
    page.locator("button[data-action='redo']").click()
    expect(page.locator(CHECKED)).to_have_text("Positive")
    page.keyboard.press("Control+Enter")  # accept the v1 pre-annotation as is
    expect(page.locator("#lb-done")).to_be_visible()
    (ann,) = _annotations(api, tid)
    assert _chosen(ann["result"]) == _chosen(_choice("Positive"))
    assert ann["parent_prediction"] == preds["v1"]


def test_ids_are_labeled_in_order_then_the_queue(page: Page, api: httpx.Client) -> None:
    pid, ids = _project(api, ["a", "b", "c", "d"])
    _open(page, pid, f"?ids={ids[2]},{ids[0]}")
    for tid in (ids[2], ids[0], ids[1], ids[3]):
        _on_task(page, tid)
        page.keyboard.press("1")
        page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-done")).to_be_visible()
    assert all(len(_annotations(api, t)) == 1 for t in ids)


def test_hostile_instructions_and_task_data_render_inert(page: Page, api: httpx.Client) -> None:
    hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script></script>'
    instructions = f"**Read carefully** {hostile} [docs](javascript:window.__xss=3)"
    pid, (tid,) = _project(api, [hostile], expert_instruction=instructions, show_instruction=True)
    _open(page, pid)
    _on_task(page, tid)
    box = page.locator("#lb-instructions")
    expect(box.locator("strong")).to_have_text("Read carefully")
    assert box.locator("img[onerror], script").count() == 0
    assert box.locator("a[href^='javascript']").count() == 0
    expect(page.locator("#lb-editor")).to_contain_text(hostile)  # shown as text
    assert page.locator("#lb-editor img, #lb-editor script").count() == 0
    assert page.evaluate("window.__xss") is None
    page.locator("#lb-toolbar button[data-action='toggle-instructions']").click()
    expect(box).to_be_hidden()
