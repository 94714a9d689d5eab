"""The agreement page in Chromium: the heatmap of annotator pairs is drawn, the lowest-agreement task's link
opens that task in the labeling screen, and Recompute runs the job and reloads the page."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_project

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>'
)
# Three annotators on three tasks: all agree on the first; the other two split two against one (a third of
# the pairs agree), each with a different odd one out.
ANSWERS = [("pos", "pos", "pos"), ("pos", "pos", "neg"), ("neg", "pos", "pos")]


def _choice(value: str) -> list[dict[str, object]]:
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


def _people(api: httpx.Client, tag: str) -> list[str]:
    emails = [f"agree-{tag}-{k}@example.com" for k in range(3)]
    for email in emails:
        r = api.post("/api/users", json={"email": email, "password": "long-enough-1", "role": "annotator"})
        assert r.status_code == 201, r.text
    return emails


def test_the_heatmap_renders_and_the_lowest_task_opens(page: Page, api: httpx.Client) -> None:
    people = _people(api, "page")
    tasks = [
        {"data": {"text": f"task {i}"},
         "annotations": [{"completed_by": who, "result": _choice(v)} for who, v in zip(people, row, strict=True)]}
        for i, row in enumerate(ANSWERS)
    ]  # fmt: skip
    pid = make_project(api, CONFIG, tasks=tasks)
    ids = sorted(t["id"] for t in api.get("/api/tasks", params={"project": pid}).json()["tasks"])

    page.goto(f"/projects/{pid}/dashboard")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Agreement").click()
    expect(page).to_have_url(f"{page.url.split('/projects')[0]}/projects/{pid}/agreement")
    heatmap = page.get_by_test_id("heatmap").locator("svg.heatmap")
    expect(heatmap).to_be_visible()
    # Three annotators: a 3 x 3 grid of cells, six of them pairs with a value written in.
    expect(heatmap.locator("g.heat-cell")).to_have_count(9)
    expect(heatmap.locator("text.heat-value")).to_have_count(6)
    expect(page.get_by_test_id("agreement-overall")).to_have_text("56%")  # (1 + 1/3 + 1/3) / 3

    lowest = page.get_by_test_id("lowest-tasks").locator("tbody tr")
    expect(lowest).to_have_count(3)
    expect(lowest.first.locator("td").nth(2)).to_have_text("33%")
    first = int(lowest.first.get_attribute("data-task") or 0)
    assert first in (ids[1], ids[2])
    lowest.first.locator("a.task-link").click()
    expect(page).to_have_url(f"{page.url.split('/projects')[0]}/projects/{pid}/label?task={first}")


def test_recompute_runs_the_job_and_the_empty_state_reads(page: Page, api: httpx.Client) -> None:
    people = _people(api, "job")
    tasks = [
        {"data": {"text": "only"}, "annotations": [{"completed_by": people[0], "result": _choice("pos")}]}
    ]
    empty = make_project(api, CONFIG, tasks=tasks)
    page.goto(f"/projects/{empty}/agreement")
    expect(page.get_by_test_id("agreement-empty")).to_contain_text("needs at least two annotators on a task")

    page.locator("#agreement-recompute").click()
    expect(page.get_by_test_id("agreement-job")).to_have_text(
        "Last recompute: completed, 0 tasks", timeout=30_000
    )
