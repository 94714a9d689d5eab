"""Models in real Chromium against a live server and a real ML backend process: connecting a backend on
the Models page, a pre-annotation run with its progress bar, the predictions shown as pre-annotations in
the labeling screen and accepted with one key (Ctrl+Enter), and "Predict this task" (Alt+P)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    CHECKED,
    OWNER_EMAIL,
    OWNER_PASSWORD,
    SENTIMENT_CONFIG,
    Server,
    loopback_server,
    make_project,
    signed_in_page,
)
from tests.support import ml_backend
from tests.support.postgres import free_port

CONFIG = SENTIMENT_CONFIG


@pytest.fixture(scope="module")
def ml_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from loopback_server(tmp_path_factory, "ml-data")


@pytest.fixture(scope="module")
def backend() -> Iterator[ml_backend.Backend]:
    with ml_backend.running() as b:
        yield b


@pytest.fixture
def ml_page(browser: Browser, ml_server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from signed_in_page(browser, ml_server, request, (OWNER_EMAIL, OWNER_PASSWORD), 15_000)


@pytest.fixture
def api(ml_server: Server) -> Iterator[httpx.Client]:
    with ml_server.api() as client:
        yield client


def _project(api: httpx.Client, texts: list[str]) -> tuple[int, list[int]]:
    pid = make_project(api, CONFIG)
    r = api.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": t} for t in texts])
    assert r.status_code == 201, r.text
    return pid, list(r.json()["task_ids"])


def test_connect_run_and_accept_predictions_with_one_key(
    ml_page: Page, api: httpx.Client, backend: ml_backend.Backend, tmp_path: Path
) -> None:
    page = ml_page
    pid, ids = _project(api, ["a good day", "a grey day", "good again"])
    page.goto(f"/projects/{pid}/models")
    expect(page.locator("#ml-empty")).to_be_visible()
    page.fill("input[name=title]", "keywords")
    page.fill("input[name=url]", backend.url)
    page.click("#ml-add-submit")
    row = page.locator("#ml-table tbody tr")
    expect(row.locator(".ml-state")).to_have_text("Connected")
    expect(row.locator(".ml-version")).to_have_text("ml-test-1")
    row.locator(".ml-train").click()
    expect(page.locator("#ml-status")).to_have_text("Training started on the backend's side.")
    assert [
        e["action"] for e in backend.log() if e["path"] == "/webhook" and e["body"]["project"]["id"] == pid
    ] == ["START_TRAINING"]
    row.locator(".ml-predict").click()
    expect(row.locator(".ml-run-text")).to_have_text("completed: 3 of 3 tasks")
    expect(row.locator(".ml-progress")).to_be_hidden()

    page.goto(f"/projects/{pid}/label")
    expect(page.locator("#lb-task-id")).to_have_text(f"#{ids[0]}")
    expect(page.locator(CHECKED)).to_have_text(["Positive"])  # the prediction, as the starting result
    expect(page.locator("#lb-prediction-select option:checked")).to_contain_text("ml-test-1")
    page.keyboard.press("Control+Enter")  # one key accepts it
    expect(page.locator("#lb-task-id")).to_have_text(f"#{ids[1]}")
    expect(page.locator(CHECKED)).to_have_text(["Neutral"])
    annotations = api.get(f"/api/tasks/{ids[0]}/annotations").json()
    assert [a["result"][0]["value"] for a in annotations] == [{"choices": ["Positive"]}]
    prediction = api.get("/api/predictions", params={"task": ids[0]}).json()[0]
    assert annotations[0]["parent_prediction"] == prediction["id"]


def test_predict_this_task_loads_the_models_answer(
    ml_page: Page, api: httpx.Client, backend: ml_backend.Backend
) -> None:
    page = ml_page
    pid, ids = _project(api, ["good news"])
    ml = api.post(
        "/api/ml", json={"project": pid, "url": backend.url, "title": "kw", "is_interactive": True}
    ).json()
    assert ml["state"] == "CO", ml
    page.goto(f"/projects/{pid}/label")
    expect(page.locator("#lb-task-id")).to_have_text(f"#{ids[0]}")
    expect(page.locator(CHECKED)).to_have_count(0)  # no stored prediction
    expect(page.locator("#lb-predict")).to_be_visible()
    page.keyboard.press("Alt+P")
    expect(page.locator(CHECKED)).to_have_text(["Positive"])
    expect(page.locator("#lb-status")).to_contain_text("Predicted by ml-test-1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#lb-done")).to_be_visible()
    annotations = api.get(f"/api/tasks/{ids[0]}/annotations").json()
    assert [a["result"][0]["value"] for a in annotations] == [{"choices": ["Positive"]}]
    assert api.get("/api/predictions", params={"task": ids[0]}).json() == []  # nothing stored by the model


def test_an_unreachable_backend_shows_its_error_and_validate_retries(
    ml_page: Page, api: httpx.Client
) -> None:
    page = ml_page
    pid, _ = _project(api, ["x"])
    page.goto(f"/projects/{pid}/models")
    page.fill("input[name=url]", f"http://127.0.0.1:{free_port()}")
    page.click("#ml-add-submit")
    row = page.locator("#ml-table tbody tr")
    expect(row.locator(".ml-state")).to_have_text("Error")
    expect(row.locator(".ml-error")).to_contain_text("connection refused")
    expect(page.locator("#ml-status")).to_contain_text("not reachable")
    row.locator(".ml-validate").click()
    expect(page.locator("#ml-status")).to_have_text("The model does not answer.")
    page.fill("input[name=url]", "http://169.254.169.254/")
    page.click("#ml-add-submit")
    expect(page.locator("[data-error-for=url]")).to_contain_text("cloud metadata address")


def test_compare_model_versions_table_opens_its_per_label_breakdown(ml_page: Page, api: httpx.Client) -> None:
    pid = make_project(api, CONFIG)
    gold = {"from_name": "sentiment", "to_name": "text", "type": "choices"}
    items = [
        {
            "data": {"text": f"t{i}"},
            "annotations": [{"result": [{**gold, "value": {"choices": [truth]}}], "ground_truth": True}],
            "predictions": [
                {"model_version": "<b>old</b>", "result": [{**gold, "value": {"choices": ["Negative"]}}]},
                {"model_version": "new", "result": [{**gold, "value": {"choices": [truth]}}]},
            ],
        }
        for i, truth in enumerate(["Positive", "Negative"])
    ]
    r = api.post(f"/api/projects/{pid}/import", json=items)
    assert r.status_code == 201, r.text
    page = ml_page
    page.goto(f"/projects/{pid}/models")
    new = page.locator("#mv-table tr.mv-row[data-version='new']")
    expect(new.locator(".mv-gt")).to_contain_text("100.0%")
    old = page.locator("#mv-table tr.mv-row[data-version='<b>old</b>']")
    expect(old.locator(".mv-version")).to_have_text("<b>old</b>")  # shown as text, not markup
    expect(old.locator(".mv-gt")).to_contain_text("50.0%")
    old.locator(".mv-per-label summary").click()
    labels = old.locator(".mv-labels").first
    expect(labels.locator("tbody tr")).to_have_count(2)
    expect(labels.locator("tbody tr").first).to_contain_text("Positive")
