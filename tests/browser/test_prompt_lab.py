"""The Models page's Prompts section in real Chromium, against a live server and a real HTTP server speaking
the OpenAI chat-completions protocol (tests/support/openai_server.py, allowed through the SSRF guard for
127.0.0.1): a prompt edited, previewed on a task, saved and evaluated on the gold tasks, the evaluations side by
side; hostile task data, titles and model names rendered as text; errors next to the fields they name."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import (
    OWNER_EMAIL,
    OWNER_PASSWORD,
    SENTIMENT_CONFIG,
    Server,
    loopback_server,
    make_project,
    signed_in_page,
)
from tests.support.openai_server import Answer, OpenAIServer, running

HOSTILE = "<img src=x onerror=window.__x=1>"
KEY = "sk-browser-key-1"


def by_text(body: dict[str, Any]) -> Answer:
    """The scripted model: Negative when the task says "hate", else Positive."""
    text = body["messages"][-1]["content"]
    return Answer(content=json.dumps({"sentiment": "Negative" if "hate" in text else "Positive"}))


@pytest.fixture(scope="module")
def llm_server() -> Iterator[OpenAIServer]:
    with running() as server:
        yield server


@pytest.fixture(autouse=True)
def scripted(llm_server: OpenAIServer) -> None:
    llm_server.answer = by_text


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from loopback_server(tmp_path_factory, "prompt-lab-data")


@pytest.fixture
def lab_page(browser: Browser, lab_server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from signed_in_page(browser, lab_server, request, (OWNER_EMAIL, OWNER_PASSWORD), 15_000)


@pytest.fixture
def api(lab_server: Server) -> Iterator[httpx.Client]:
    with lab_server.api() as client:
        yield client


def _gold_project(api: httpx.Client, texts: list[str], truths: list[str]) -> tuple[int, list[int]]:
    """Tasks with `texts`; the first `len(truths)` get the owner's ground-truth answer."""
    pid = make_project(api, SENTIMENT_CONFIG)
    r = api.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": t} for t in texts])
    assert r.status_code == 201, r.text
    ids = list(r.json()["task_ids"])
    for task, truth in zip(ids, truths, strict=False):
        result = [
            {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [truth]}}
        ]
        made = api.post(f"/api/tasks/{task}/annotations", json={"result": result, "ground_truth": True})
        assert made.status_code == 201, made.text
    return pid, ids


def _connect(api: httpx.Client, pid: int, url: str, title: str = "gpt", model: str = "test-model") -> int:
    params = {"model": model, "prompt": "Classify: {text}", "api_key": KEY}
    r = api.post(
        "/api/ml", json={"project": pid, "title": title, "type": "llm", "url": url, "extra_params": params}
    )
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "CO", r.json()
    return int(r.json()["id"])


def _card(page: Page, ml_id: int) -> Locator:
    return page.locator(f".prompt-card[data-ml='{ml_id}']")


def _figure(row: Locator, metric: str) -> Locator:
    return row.locator(f"td[data-control=sentiment][data-metric={metric}]")


def test_edit_preview_save_and_evaluate_prompts_side_by_side(
    lab_page: Page, api: httpx.Client, llm_server: OpenAIServer
) -> None:
    page = lab_page
    pid, ids = _gold_project(api, ["I love it", "It is fine", "I hate it"], ["Positive", "Neutral"])
    ml_id = _connect(api, pid, llm_server.url)
    page.goto(f"/projects/{pid}/models")
    card = _card(page, ml_id)
    expect(card.locator("textarea[name=prompt]")).to_have_value("Classify: {text}")
    expect(card.locator("input[name=task]")).to_have_value(str(ids[0]))  # the first task by default
    expect(page.locator("#prompt-evals-empty")).to_be_visible()

    # Edit and preview: the task's text inside the user message, the config's options for {labels}.
    card.locator("textarea[name=prompt]").fill("Sentiment of: {text}\nAnswer with one of {labels}.")
    card.locator(".prompt-preview").click()
    user = card.locator(".prompt-message-user .prompt-content")
    expect(user).to_have_count(1)
    expect(user).to_contain_text("Sentiment of: I love it")
    expect(user).to_contain_text("Positive")
    expect(user).to_contain_text("Neutral")
    card.locator("input[name=task]").fill(str(ids[2]))
    card.locator(".prompt-preview").click()
    expect(user).to_contain_text("Sentiment of: I hate it")

    # Save persists (a reload shows it); the key is never shown and is still the one the model gets.
    card.locator(".prompt-save").click()
    expect(card.locator(".prompt-status")).to_have_text("Saved.")
    page.reload()
    expect(card.locator("textarea[name=prompt]")).to_have_value(
        "Sentiment of: {text}\nAnswer with one of {labels}."
    )
    assert KEY not in page.content()
    stored = api.get(f"/api/ml/{ml_id}").json()
    assert stored["extra_params"]["api_key"] == "********"
    assert stored["extra_params"]["prompt"] == "Sentiment of: {text}\nAnswer with one of {labels}."

    # Evaluate on the two gold tasks: the model says Positive to both, right on one (50%).
    sent_before = len(llm_server.chats())
    card.locator(".prompt-evaluate").click()
    expect(card.locator(".prompt-status")).to_have_text("Evaluated on 2 gold tasks.")
    rows = page.locator("#prompt-evals tbody tr")
    expect(rows).to_have_count(1)
    first = rows.nth(0)
    expect(first.locator(".prompt-evals-gold")).to_have_text("2")
    expect(first.locator(".prompt-evals-connection")).to_have_text("gpt")
    expect(first.locator(".prompt-evals-version")).to_have_text(stored["model_version"])
    expect(_figure(first, "accuracy")).to_have_text("50.0%")
    expect(_figure(first, "consensus_agreement")).to_have_text("50.0%")  # the humans are the ground truth
    expect(_figure(first, "consensus_kappa")).to_have_text("0.00")  # no better than chance
    expect(first.locator(".prompt-evals-prompt summary")).to_contain_text("Sentiment of: {text}")
    chats = llm_server.chats()[sent_before:]
    assert len(chats) == 2 and {c.headers["Authorization"] for c in chats} == {f"Bearer {KEY}"}

    # A second version with one few-shot example: the preview shows the solved example; evaluating saves the
    # edit first and leaves the example's gold task out, so it scores on the other one (wrong: 0%).
    card.locator("textarea[name=prompt]").fill("v2 {text}")
    card.locator("input[name=few_shot]").fill("1")
    card.locator("input[name=task]").fill(str(ids[1]))
    card.locator(".prompt-preview").click()
    expect(card.locator(".prompt-message-assistant .prompt-content")).to_contain_text("Positive")
    expect(card.locator(".prompt-message-user .prompt-content").last).to_have_text("v2 It is fine")
    card.locator(".prompt-evaluate").click()
    expect(card.locator(".prompt-status")).to_have_text("Evaluated on 1 gold task.")
    expect(rows).to_have_count(2)
    newest, older = rows.nth(0), rows.nth(1)
    expect(newest).to_have_class("prompt-evals-fresh")
    expect(newest.locator(".prompt-evals-prompt summary")).to_have_text("v2 {text}")
    expect(newest.locator(".prompt-evals-gold")).to_have_text("1")
    expect(_figure(newest, "accuracy")).to_have_text("0.0%")
    expect(_figure(older, "accuracy")).to_have_text("50.0%")
    assert (
        newest.locator(".prompt-evals-version").inner_text()
        != older.locator(".prompt-evals-version").inner_text()
    )
    stored = api.get(f"/api/ml/{ml_id}").json()["extra_params"]
    assert stored == {"model": "test-model", "prompt": "v2 {text}", "api_key": "********", "few_shot": 1}
    # The full prompt opens from the excerpt.
    older.locator(".prompt-evals-prompt summary").click()
    expect(older.locator(".prompt-full")).to_have_text("Sentiment of: {text}\nAnswer with one of {labels}.")


def test_hostile_text_renders_inert_and_errors_sit_next_to_their_fields(
    lab_page: Page, api: httpx.Client, llm_server: OpenAIServer
) -> None:
    page = lab_page
    pid, ids = _gold_project(api, [HOSTILE, "I love it"], ["Positive"])
    ml_id = _connect(
        api, pid, llm_server.url, title="<img src=y onerror=window.__x=2>", model="<b onclick=x>m</b>"
    )
    page.goto(f"/projects/{pid}/models")
    card = _card(page, ml_id)
    expect(card.locator(".prompt-card-title")).to_have_text("<img src=y onerror=window.__x=2>")
    expect(card.locator("input[name=task]")).to_have_value(str(ids[0]))
    card.locator(".prompt-preview").click()
    expect(card.locator(".prompt-message-user .prompt-content")).to_have_text(f"Classify: {HOSTILE}")
    card.locator(".prompt-evaluate").click()
    expect(card.locator(".prompt-status")).to_have_text("Evaluated on 1 gold task.")
    row = page.locator("#prompt-evals tbody tr")
    expect(row.locator(".prompt-evals-connection")).to_have_text("<img src=y onerror=window.__x=2>")
    expect(row.locator(".prompt-evals-version")).to_contain_text("<b onclick=x>m</b>@")
    assert page.locator("#prompt-lab img, #prompt-lab b[onclick]").count() == 0
    assert page.evaluate("typeof window.__x") == "undefined"

    # 400s (and the 404 of an unknown task) next to the field they name.
    card.locator("input[name=few_shot]").fill("99")
    card.locator(".prompt-preview").click()
    expect(card.locator("[data-error-for=few_shot]")).to_have_text("0 to 20")
    expect(card.locator("[data-error-for=prompt]")).to_be_hidden()
    card.locator("input[name=few_shot]").fill("0")
    card.locator("textarea[name=prompt]").fill("Classify {nope}")
    card.locator(".prompt-preview").click()
    expect(card.locator("[data-error-for=prompt]")).to_contain_text("nope")
    expect(card.locator("[data-error-for=few_shot]")).to_be_hidden()
    card.locator("textarea[name=prompt]").fill("Classify {text}")
    card.locator("input[name=task]").fill("99999999")
    card.locator(".prompt-preview").click()
    expect(card.locator("[data-error-for=task]")).to_contain_text("task 99999999 not found")
    # A few-shot count out of range is not saved.
    card.locator("input[name=few_shot]").fill("99")
    card.locator(".prompt-save").click()
    expect(card.locator("[data-error-for=few_shot]")).to_have_text("0 to 20")
    expect(card.locator(".prompt-status")).to_contain_text("nothing was saved")
    assert "few_shot" not in api.get(f"/api/ml/{ml_id}").json()["extra_params"]
    card.locator("input[name=few_shot]").fill("0")
    # Saving a prompt the config cannot fill: saved, the connection in error, the reason under the prompt.
    card.locator("textarea[name=prompt]").fill("Classify {nope}")
    card.locator(".prompt-save").click()
    expect(card.locator(".prompt-status")).to_contain_text("Saved, but the connection is in error")
    expect(card.locator("[data-error-for=prompt]")).to_contain_text("nope")
    assert page.evaluate("typeof window.__x") == "undefined"


def test_evaluating_shows_a_busy_state_then_the_error(
    lab_page: Page, api: httpx.Client, llm_server: OpenAIServer
) -> None:
    page = lab_page
    pid, _ = _gold_project(api, ["I love it"], ["Positive"])
    ml_id = _connect(api, pid, llm_server.url)
    gate = threading.Event()

    def refused(body: dict[str, Any]) -> Answer:
        gate.wait(30)  # held until the test has seen the busy state
        return Answer(status=401, body={"error": {"message": "Incorrect API key provided"}})

    llm_server.answer = refused
    try:
        page.goto(f"/projects/{pid}/models")
        card = _card(page, ml_id)
        card.locator(".prompt-evaluate").click()
        expect(card.locator(".prompt-status")).to_have_text("Evaluating on the gold tasks…")
        expect(card).to_have_attribute("aria-busy", "true")
        expect(card.locator(".prompt-evaluate")).to_be_disabled()
        expect(card.locator(".prompt-save")).to_be_disabled()
    finally:
        gate.set()
    expect(card.locator(".prompt-status")).to_contain_text("api_key")
    expect(card.locator(".prompt-status")).to_have_class(re.compile(r"\berror\b"))
    expect(card.locator(".prompt-evaluate")).to_be_enabled()
    expect(card).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#prompt-evals tbody tr")).to_have_count(0)
    expect(page.locator("#prompt-evals-empty")).to_be_visible()


def test_without_an_llm_or_gold_tasks_the_section_says_what_is_missing(
    lab_page: Page, api: httpx.Client, llm_server: OpenAIServer
) -> None:
    page = lab_page
    pid, _ = _gold_project(api, ["x"], [])
    page.goto(f"/projects/{pid}/models")
    expect(page.locator("#prompt-lab-empty")).to_be_visible()
    expect(page.locator(".prompt-card")).to_have_count(0)
    ml_id = _connect(api, pid, llm_server.url)
    page.reload()
    expect(page.locator("#prompt-lab-empty")).to_be_hidden()
    card = _card(page, ml_id)
    card.locator(".prompt-evaluate").click()
    expect(card.locator(".prompt-status")).to_contain_text("No gold task to score on")
    expect(page.locator("#prompt-evals tbody tr .prompt-evals-gold")).to_have_text("0")
