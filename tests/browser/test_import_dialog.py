"""The import dialog in real Chromium: several files by drop and by the picker, per-file progress and
errors (the server's all-or-nothing rule made visible), counts when done, the table refreshed."""

from __future__ import annotations

import json

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_project
from tests.browser.test_datamanager import CONFIG, open_dm, tasks_of

GOOD_JSON = json.dumps([
    {"data": {"text": "one", "title": "a"},
     "annotations": [{"result": [{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}]}]},
    {"data": {"text": "two", "title": "b"},
     "predictions": [{"result": [{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": ["neg"]}}]}]},
])  # fmt: skip
GOOD_CSV = "text,title\nthree,c\nfour,d\n"
BAD_JSONL = '{"text": "five", "title": "e"}\n{"other": 1}\n'


def drop_files(page: Page, files: list[tuple[str, str, str]]) -> None:
    """A synthetic drop on the drop zone, with a DataTransfer holding these (name, type, text) files."""
    page.evaluate(
        """(files) => {
            const dt = new DataTransfer();
            for (const [name, type, text] of files) dt.items.add(new File([text], name, { type }));
            const zone = document.getElementById("dm-drop");
            zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
        }""",
        [list(f) for f in files],
    )


def test_two_files_dropped_are_imported_with_counts_and_the_table_refreshes(
    page: Page, api: httpx.Client
) -> None:
    pid = make_project(api, CONFIG)
    open_dm(page, pid)
    expect(page.locator("#dm-empty")).to_be_visible()
    page.click("[data-action='open-import']")
    expect(page.locator("#dm-import")).to_be_visible()
    drop_files(page, [("tasks.json", "application/json", GOOD_JSON), ("more.csv", "text/csv", GOOD_CSV)])
    expect(page.locator("#dm-files li")).to_have_count(2)
    expect(page.locator("#dm-files li[data-state='staged']")).to_have_count(2)
    assert tasks_of(api, pid) == []  # staged, not imported yet
    page.click("#dm-run-import")
    expect(page.locator("#dm-import-status")).to_have_text("Imported 4 tasks, 1 annotations, 1 predictions.")
    expect(page.locator("#dm-files li[data-state='imported']")).to_have_count(2)
    page.click("[data-action='close-import']")
    expect(page.locator("#dm-body tr")).to_have_count(4)
    expect(page.locator("#dm-counts")).to_have_text("4 tasks · 1 annotations · 1 predictions")
    assert sorted(t["data"]["text"] for t in tasks_of(api, pid)) == ["four", "one", "three", "two"]


def test_a_bad_file_shows_its_error_by_name_and_nothing_is_imported_until_removed(
    page: Page, api: httpx.Client
) -> None:
    pid = make_project(api, CONFIG)
    open_dm(page, pid, "?import=1")  # the dialog opens by itself
    expect(page.locator("#dm-import")).to_be_visible()
    page.set_input_files(
        "#dm-file-input",
        files=[
            {"name": "good.csv", "mimeType": "text/csv", "buffer": GOOD_CSV.encode()},
            {"name": "bad.jsonl", "mimeType": "application/jsonl", "buffer": BAD_JSONL.encode()},
        ],
    )
    expect(page.locator("#dm-files li[data-state='staged']")).to_have_count(2)
    page.click("#dm-run-import")
    bad = page.locator("#dm-files li", has_text="bad.jsonl")
    expect(bad).to_have_attribute("data-state", "error")
    expect(bad.locator(".dm-file-error")).to_contain_text("bad.jsonl")
    expect(bad.locator(".dm-file-error")).to_contain_text("line 2")
    good = page.locator("#dm-files li", has_text="good.csv")
    expect(good).to_have_attribute("data-state", "waiting")
    expect(good).to_contain_text("not imported")
    expect(page.locator("#dm-import-status")).to_contain_text("Nothing was imported")
    expect(page.locator("#dm-run-import")).to_be_disabled()
    assert tasks_of(api, pid) == []  # all or nothing

    page.click("[aria-label='Remove bad.jsonl']")
    expect(page.locator("#dm-run-import")).to_be_enabled()
    page.click("#dm-run-import")
    expect(page.locator("#dm-import-status")).to_have_text("Imported 2 tasks, 0 annotations, 0 predictions.")
    page.click("[data-action='close-import']")
    expect(page.locator("#dm-body tr")).to_have_count(2)


def test_a_hostile_file_name_renders_as_text(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG)
    open_dm(page, pid)
    page.click("[data-action='open-import']")
    name = '<img src=x onerror="window.__pwned=1">.csv'
    page.set_input_files(
        "#dm-file-input", files=[{"name": name, "mimeType": "text/csv", "buffer": b"nope\n1\n"}]
    )
    item = page.locator("#dm-files li")
    expect(item).to_have_count(1)
    expect(item.locator(".dm-file-name")).to_have_text(name)
    assert page.locator("#dm-files img").count() == 0
    expect(item).to_have_attribute("data-state", "staged")
    page.click("#dm-run-import")
    expect(item).to_have_attribute("data-state", "error")  # the CSV lacks the config's $text
    expect(item.locator(".dm-file-error")).to_contain_text("$text")
    assert page.evaluate("window.__pwned") is None


def test_each_file_shows_its_upload_progress(page: Page, api: httpx.Client) -> None:
    """On a slow link (Chromium's network emulation) the upload's own progress bar is seen moving."""
    pid = make_project(api, CONFIG)
    open_dm(page, pid)
    page.click("[data-action='open-import']")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    conditions = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 200_000}
    cdp.send("Network.emulateNetworkConditions", conditions)
    rows = "".join(f"task number {i} with some padding text,t{i}\n" for i in range(6_000))
    page.set_input_files(
        "#dm-file-input",
        files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": f"text,title\n{rows}".encode()}],
    )
    bar = page.locator("#dm-files li progress")
    expect(bar).to_have_count(1)
    page.wait_for_function(
        "() => { const b = document.querySelector('#dm-files li progress'); return b && b.value > 0 && b.value < 100; }"
    )
    cdp.send("Network.emulateNetworkConditions", {**conditions, "uploadThroughput": -1})
    expect(page.locator("#dm-files li[data-state='staged']")).to_have_count(1)
    page.click("#dm-run-import")
    expect(page.locator("#dm-import-status")).to_have_text(
        "Imported 6000 tasks, 0 annotations, 0 predictions."
    )
