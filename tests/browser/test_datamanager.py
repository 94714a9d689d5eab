"""The data manager page in real Chromium: table, sort, filters, paging, saved views, selection and
bulk actions, keyboard, and hostile task data rendered inert."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, make_project

CONFIG = (
    '<View><Text name="text" value="$text"/><Header value="$title"/>'
    '<Choices name="c" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>'
)


def choice(value: str) -> dict[str, Any]:
    return {"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def tasks_of(api: httpx.Client, pid: int) -> list[dict[str, Any]]:
    r = api.get("/api/tasks", params={"project": pid, "page_size": 1000, "fields": "task_only"})
    assert r.status_code == 200, r.text
    return list(r.json()["tasks"])


def open_dm(page: Page, pid: int, query: str = "") -> None:
    page.goto(f"/projects/{pid}/data{query}")
    expect(page.locator("body[data-dm-ready='true']")).to_be_attached()


def ids_shown(page: Page) -> list[int]:
    return [
        int(x) for x in page.locator("#dm-body tr").evaluate_all("rows => rows.map(r => r.dataset.taskId)")
    ]


def wait_loaded(page: Page) -> None:
    expect(page.locator("#dm-table[data-loading]")).to_have_count(0)


def test_project_home_redirects_to_the_data_manager(server: Server, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG)
    r = httpx.get(f"{server.url}/projects/{pid}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/projects/{pid}/data"


def test_table_shows_columns_counts_and_annotators(page: Page, api: httpx.Client, server: Server) -> None:
    pid = make_project(api, CONFIG, [{"text": f"text {i}", "title": f"title {i}"} for i in range(3)])
    first = tasks_of(api, pid)[0]["id"]
    assert api.post(f"/api/tasks/{first}/annotations", json={"result": [choice("pos")]}).status_code == 201
    open_dm(page, pid)
    head = page.locator("#dm-head")
    for title in ("ID", "text", "title", "Annotations", "Predictions", "Annotated by", "Status"):
        expect(head).to_contain_text(title)
    expect(page.locator("#dm-counts")).to_have_text("3 tasks · 1 annotations · 0 predictions")
    row = page.locator(f"#dm-body tr[data-task-id='{first}']")
    expect(row).to_contain_text("text 0")
    expect(row).to_contain_text(server.email)
    expect(row).to_contain_text("Labeled")
    expect(page.locator("#dm-body tr").nth(1)).to_contain_text("Not labeled")


def test_sort_by_header_filter_and_paging(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": f"item {i:02d} {'apple' if i % 3 == 0 else 'pear'}", "title": "t"}
                                     for i in range(30)])  # fmt: skip
    ids = [t["id"] for t in tasks_of(api, pid)]
    open_dm(page, pid)
    page.select_option("#dm-page-size", "25")
    wait_loaded(page)
    expect(page.locator("#dm-body tr")).to_have_count(25)
    expect(page.locator("#dm-pages")).to_have_text("2")
    page.click("[data-action='next-page']")
    expect(page.locator("#dm-body tr")).to_have_count(5)
    assert ids_shown(page) == ids[25:]
    page.fill("#dm-page", "1")
    page.press("#dm-page", "Enter")
    expect(page.locator("#dm-body tr")).to_have_count(25)

    # Sort: ID header twice → descending.
    id_header = page.locator("#dm-head th[data-column='tasks:id'] button")
    id_header.click()
    wait_loaded(page)
    id_header = page.locator("#dm-head th[data-column='tasks:id'] button")
    id_header.click()
    expect(page.locator("#dm-head th[data-column='tasks:id']")).to_have_attribute("aria-sort", "descending")
    wait_loaded(page)
    assert ids_shown(page) == ids[::-1][:25]

    # Filter: text contains "apple".
    page.click("[data-action='toggle-filters']")
    page.click("[data-action='add-filter']")
    page.fill(".dm-filter-row input[type=text]", "APPLE")
    expect(page.locator("#dm-counts")).to_contain_text("10 tasks")
    wait_loaded(page)
    assert ids_shown(page) == [i for n, i in enumerate(ids) if n % 3 == 0][::-1]
    expect(page.locator("#dm-filter-count")).to_have_text("1")


def test_status_and_annotator_filters(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": f"t{i}", "title": "t"} for i in range(4)])
    ids = [t["id"] for t in tasks_of(api, pid)]
    api.post(f"/api/tasks/{ids[0]}/annotations", json={"result": [choice("pos")]})
    api.post(f"/api/tasks/{ids[1]}/annotations", json={"result": [], "was_cancelled": True})
    open_dm(page, pid)
    page.click("[data-action='toggle-filters']")
    page.click("[data-action='add-filter']")
    page.select_option(".dm-filter-row select[aria-label='Filter field']", "status")
    wait_loaded(page)
    assert ids_shown(page) == [ids[0]]
    page.select_option(".dm-filter-row select[aria-label='Status']", "skipped")
    expect(page.locator("#dm-counts")).to_contain_text("1 tasks")
    wait_loaded(page)
    assert ids_shown(page) == [ids[1]]
    page.select_option(".dm-filter-row select[aria-label='Status']", "not_labeled")
    expect(page.locator("#dm-counts")).to_contain_text("3 tasks")
    page.select_option(".dm-filter-row select[aria-label='Filter field']", "annotators")
    me = api.get("/api/current-user/whoami").json()["id"]
    page.select_option(".dm-filter-row select[aria-label='Annotator']", str(me))
    expect(page.locator("#dm-counts")).to_contain_text("2 tasks")
    wait_loaded(page)
    assert ids_shown(page) == ids[:2]


def test_saved_view_persists_after_reload_and_tabs_are_managed(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": f"t{i}", "title": "t"} for i in range(5)])
    ids = [t["id"] for t in tasks_of(api, pid)]
    open_dm(page, pid)
    expect(page.locator(".dm-tab")).to_have_count(1)  # a Default tab made on first visit
    page.click(".dm-tab-add")
    expect(page.locator(".dm-tab")).to_have_count(2)
    expect(page.locator(".dm-tab.is-active .dm-tab-title")).to_have_text("Tab 2")
    # Rename by double-click.
    page.dblclick(".dm-tab.is-active .dm-tab-title")
    page.fill(".dm-tab-input", "Newest first")
    with page.expect_response(lambda r: "/api/dm/views/" in r.url and r.request.method == "PATCH"):
        page.press(".dm-tab-input", "Enter")
    expect(page.locator(".dm-tab.is-active .dm-tab-title")).to_have_text("Newest first")
    # Sort descending and hide a column; both saved in the view.
    with page.expect_response(lambda r: "/api/dm/views/" in r.url and r.request.method == "PATCH"):
        page.click("#dm-head th[data-column='tasks:id'] button")
    with page.expect_response(lambda r: "/api/dm/views/" in r.url and r.request.method == "PATCH"):
        page.click("#dm-head th[data-column='tasks:id'] button")
    page.click("[data-action='toggle-columns']")
    with page.expect_response(lambda r: "/api/dm/views/" in r.url and r.request.method == "PATCH"):
        page.uncheck("#dm-columns input[data-column='tasks:total_predictions']")
    views = api.get(f"/api/dm/views?project={pid}").json()
    assert [v["data"]["title"] for v in views] == ["Default", "Newest first"]
    assert views[1]["data"]["ordering"] == ["-tasks:id"]
    assert "tasks:total_predictions" in views[1]["data"]["hiddenColumns"]["explore"]

    page.reload()
    expect(page.locator("body[data-dm-ready='true']")).to_be_attached()
    expect(page.locator(".dm-tab.is-active .dm-tab-title")).to_have_text("Newest first")  # ?view= kept
    wait_loaded(page)
    assert ids_shown(page) == ids[::-1]
    expect(page.locator("#dm-head th[data-column='tasks:total_predictions']")).to_have_count(0)

    # Reorder with Alt+ArrowLeft, then delete the tab after confirming.
    page.focus(".dm-tab.is-active .dm-tab-title")
    with page.expect_response(lambda r: r.url.endswith("/api/dm/views/order")):
        page.keyboard.press("Alt+ArrowLeft")
    expect(page.locator(".dm-tab .dm-tab-title").first).to_have_text("Newest first")
    assert [v["data"]["title"] for v in api.get(f"/api/dm/views?project={pid}").json()] == [
        "Newest first",
        "Default",
    ]
    page.click(".dm-tab.is-active [aria-label='Delete tab']")
    with page.expect_response(lambda r: "/api/dm/views/" in r.url and r.request.method == "DELETE"):
        page.click("#dm-confirm-ok")
    expect(page.locator(".dm-tab")).to_have_count(1)
    expect(page.locator(".dm-tab.is-active .dm-tab-title")).to_have_text("Default")


def test_select_and_bulk_delete_with_confirm(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": f"t{i}", "title": "t"} for i in range(6)])
    ids = [t["id"] for t in tasks_of(api, pid)]
    open_dm(page, pid)
    page.check(f"#dm-body tr[data-task-id='{ids[1]}'] input[type=checkbox]")
    page.check(f"#dm-body tr[data-task-id='{ids[3]}'] input[type=checkbox]")
    expect(page.locator("#dm-selected-count")).to_have_text("2 selected")
    page.click("#dm-bulk [data-action='delete_tasks']")
    expect(page.locator("#dm-confirm")).to_be_visible()
    page.click("#dm-confirm button[value='cancel']")
    assert len(tasks_of(api, pid)) == 6  # cancelled: nothing deleted
    page.click("#dm-bulk [data-action='delete_tasks']")
    page.click("#dm-confirm-ok")
    expect(page.locator("#dm-notice")).to_contain_text("Deleted 2 tasks")
    expect(page.locator("#dm-counts")).to_contain_text("4 tasks")
    assert [t["id"] for t in tasks_of(api, pid)] == [ids[0], ids[2], ids[4], ids[5]]

    # Select all on the page, then all matching, less one: delete their annotations.
    for tid in ids[:3]:
        api.post(f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]})
    page.select_option("#dm-page-size", "25")
    wait_loaded(page)
    page.check("#dm-select-page")
    expect(page.locator("#dm-selected-count")).to_have_text("4 selected")
    page.uncheck(f"#dm-body tr[data-task-id='{ids[0]}'] input[type=checkbox]")
    page.click("#dm-bulk [data-action='delete_tasks_annotations']")
    page.click("#dm-confirm-ok")
    expect(page.locator("#dm-notice")).to_contain_text("Deleted 1 annotations")
    left = {t["id"]: t["total_annotations"] for t in tasks_of(api, pid)}
    assert left == {ids[0]: 1, ids[2]: 0, ids[4]: 0, ids[5]: 0}


def test_select_all_matching_and_label_these(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": f"t{i}", "title": "t"} for i in range(30)])
    ids = [t["id"] for t in tasks_of(api, pid)]
    open_dm(page, pid)
    page.select_option("#dm-page-size", "25")
    wait_loaded(page)
    page.check("#dm-select-page")
    page.click("#dm-select-matching")
    expect(page.locator("#dm-selected-count")).to_have_text("All 30 matching tasks selected")
    page.uncheck(f"#dm-body tr[data-task-id='{ids[2]}'] input[type=checkbox]")
    expect(page.locator("#dm-selected-count")).to_have_text("All 29 matching tasks selected")
    page.click("[data-action='label-selected']")
    page.wait_for_url(re.compile(r"/label\?ids="))
    expected = ",".join(str(i) for i in ids if i != ids[2])
    assert page.url.endswith(f"/projects/{pid}/label?ids={expected}")


def test_label_these_row_click_keyboard_and_label_all(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": f"t{i}", "title": "t"} for i in range(4)])
    ids = [t["id"] for t in tasks_of(api, pid)]
    open_dm(page, pid)
    expect(page.locator("#dm-label-all")).to_have_attribute("href", f"/projects/{pid}/label")
    page.check(f"#dm-body tr[data-task-id='{ids[2]}'] input[type=checkbox]")
    page.check(f"#dm-body tr[data-task-id='{ids[0]}'] input[type=checkbox]")
    page.click("[data-action='label-selected']")
    page.wait_for_url(f"**/projects/{pid}/label?ids={ids[2]},{ids[0]}")

    open_dm(page, pid)
    page.focus("#dm-table-wrap")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#dm-body tr.is-focused")).to_have_attribute("data-task-id", str(ids[1]))
    page.keyboard.press("Space")
    expect(page.locator("#dm-selected-count")).to_have_text("1 selected")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/projects/{pid}/label?task={ids[1]}")

    open_dm(page, pid)
    page.click(f"#dm-body tr[data-task-id='{ids[3]}'] td.dm-data >> nth=0")
    page.wait_for_url(f"**/projects/{pid}/label?task={ids[3]}")


def test_export_selected_downloads_those_tasks(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": f"t{i}", "title": "t"} for i in range(4)])
    ids = [t["id"] for t in tasks_of(api, pid)]
    open_dm(page, pid)
    page.check(f"#dm-body tr[data-task-id='{ids[1]}'] input[type=checkbox]")
    page.check(f"#dm-body tr[data-task-id='{ids[2]}'] input[type=checkbox]")
    page.select_option("#dm-export-format", "JSON")
    with page.expect_download() as download:
        page.click("[data-action='export-selected']")
    path = download.value.path()
    import json

    with open(path, encoding="utf-8") as f:
        assert sorted(t["id"] for t in json.load(f)) == [ids[1], ids[2]]


def test_hostile_task_data_renders_as_text(page: Page, api: httpx.Client) -> None:
    hostile = [
        {
            "text": '<img src=x onerror="window.__pwned=1">',
            "title": "</script><script>window.__pwned=2</script>",
        },
        {"text": "<b>bold</b>", "title": "<svg onload=window.__pwned=3>"},
    ]
    pid = make_project(api, CONFIG, hostile, title="<img src=x onerror=window.__pwned=4>")
    open_dm(page, pid)
    expect(page.locator("#dm-body tr")).to_have_count(2)
    expect(page.locator("#dm-body")).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(page.locator("#dm-body")).to_contain_text("</script><script>window.__pwned=2</script>")
    assert page.locator("#dm-body img, #dm-body svg, #dm-body b, #dm-body script").count() == 0
    assert page.evaluate("window.__pwned") is None
    expect(page.locator(".project-title")).to_have_text("<img src=x onerror=window.__pwned=4>")


def test_assignee_filter_and_column(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": f"t{i}", "title": "t"} for i in range(3)])
    ids = [t["id"] for t in tasks_of(api, pid)]
    me = api.get("/api/current-user/whoami").json()["id"]
    body = {"type": "AN", "users": [me], "selectedItems": {"all": False, "included": [ids[1]]}}
    assert api.post(f"/api/projects/{pid}/tasks/assignees", json=body).json()["assignments"] == 1
    open_dm(page, pid)
    page.click("[data-action='toggle-filters']")
    page.click("[data-action='add-filter']")
    page.select_option(".dm-filter-row select[aria-label='Filter field']", "assignees")
    page.select_option(".dm-filter-row select[aria-label='Annotator']", str(me))
    expect(page.locator("#dm-counts")).to_contain_text("1 tasks")
    wait_loaded(page)
    assert ids_shown(page) == [ids[1]]
    assert api.get("/api/tasks", params={"project": pid, "ids": ids[1]}).json()["tasks"][0]["assignees"] == [
        me
    ]


def test_assign_and_unassign_selected_tasks(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG, [{"text": f"t{i}", "title": "t"} for i in range(3)])
    ids = [t["id"] for t in tasks_of(api, pid)]
    person = api.post(
        "/api/users", json={"email": "assignee@example.com", "password": "password-123"}
    ).json()["id"]
    assert api.post(f"/api/projects/{pid}/members", json={"user": person}).status_code == 201
    open_dm(page, pid)
    page.check(f"#dm-body tr[data-task-id='{ids[0]}'] input[type=checkbox]")
    page.check(f"#dm-body tr[data-task-id='{ids[2]}'] input[type=checkbox]")
    page.click("#dm-bulk [data-action='assign-selected']")
    dialog = page.locator("#dm-assign")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#dm-assign-count")).to_have_text("2 tasks selected.")
    dialog.get_by_label("assignee@example.com (annotator)").check()
    dialog.locator("#dm-assign-ok").click()
    expect(page.locator("#dm-notice")).to_contain_text("Assigned: 2")

    def assignees() -> dict[int, list[int]]:
        listed = api.get("/api/tasks", params={"project": pid}).json()["tasks"]
        return {t["id"]: t["assignees"] for t in listed}

    assert assignees() == {ids[0]: [person], ids[1]: [], ids[2]: [person]}
    # The table reloads after an assignment and clears the selection: wait for it, or the next check lands
    # on a row about to be replaced.
    first = page.locator(f"#dm-body tr[data-task-id='{ids[0]}'] input[type=checkbox]")
    expect(first).not_to_be_checked()
    first.check()
    page.click("#dm-bulk [data-action='assign-selected']")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#dm-assign-count")).to_have_text("1 task selected.")
    dialog.get_by_label("assignee@example.com (annotator)").check()
    dialog.locator("#dm-unassign").click()
    expect(page.locator("#dm-notice")).to_contain_text("Unassigned: 1")
    assert assignees() == {ids[0]: [], ids[1]: [], ids[2]: [person]}
