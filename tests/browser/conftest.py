"""Real Chromium (Debian's, through Playwright) against a live `labelwise start` subprocess.

One server per test session on a free port with a temporary data directory; each test gets a fresh
browser context (1280x800) signed in as the owner, and creates its own project through the API. A test
fails if the page threw a JavaScript error or logged a CSP violation; on failure a screenshot is saved
under `test-results/screenshots/`, next to the test report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.support.postgres import free_port

CHROMIUM = os.environ.get("LABELWISE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "owner-password-1"
OWNER_TOKEN = "browser-owner-token"
SCREENSHOTS = Path(os.environ.get("LABELWISE_TEST_RESULTS", "test-results")) / "screenshots"

if not Path(CHROMIUM).exists():  # pragma: no cover - the set-up installs it
    raise RuntimeError(f"{CHROMIUM} is missing: run ./scripts/setup.sh (it installs Debian's chromium)")


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path
    token: str = OWNER_TOKEN
    email: str = OWNER_EMAIL
    password: str = OWNER_PASSWORD

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Token {self.token}"}, timeout=30)


# The one-choice sentiment project several browser scenarios label, and the checked choice's text.
SENTIMENT_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" required="true">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>"""
CHECKED = ".lw-choice.is-checked .lw-choice-text"


def launch_server(data_dir: Path, *, owner: bool = True, env_extra: dict[str, str] | None = None) -> Server:
    """`labelwise start` on a free port with `data_dir`; with `owner`, the owner account of the harness."""
    port = free_port()
    log = data_dir / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELWISE_")}
    env["LABELWISE_DATA_DIR"] = str(data_dir)
    env.update(env_extra or {})
    cmd = [sys.executable, "-m", "labelwise.cli", "start", "--port", str(port), "--data-dir", str(data_dir)]
    if owner:
        cmd += ["--username", OWNER_EMAIL, "--password", OWNER_PASSWORD, "--user-token", OWNER_TOKEN]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.time() > deadline:
            process.kill()
            raise RuntimeError("labelwise start did not come up:\n" + log.read_text(errors="replace"))
        time.sleep(0.1)
    return Server(url, data_dir, process, log)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = launch_server(tmp_path_factory.mktemp("browser-data"))
    yield server
    stop_server(server)


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with server.api() as client:
        yield client


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@dataclass
class PageProblems:
    """JavaScript errors and CSP violations a page reported; any of them fails the test."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or "Refused to" in text or "Uncaught" in text
        ):
            self.errors.append(f"console: {text}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


def _new_context(browser: Browser, server: Server) -> BrowserContext:
    return browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})


def sign_in(context: BrowserContext, server: Server, email: str, password: str) -> None:
    """Log in through the API from inside the context, so its cookie jar holds the session."""
    response = context.request.post("/api/auth/login", data={"email": email, "password": password})
    assert response.ok, response.text()


@pytest.fixture
def anon_page(browser: Browser, server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page with no session."""
    yield from _page(browser, server, request, signed_in=False)


@pytest.fixture
def page(browser: Browser, server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page signed in as the owner."""
    yield from _page(browser, server, request, signed_in=True)


def _page(
    browser: Browser, server: Server, request: pytest.FixtureRequest, signed_in: bool
) -> Iterator[Page]:
    yield from signed_in_page(
        browser, server, request, (server.email, server.password) if signed_in else None
    )


def signed_in_page(
    browser: Browser,
    server: Server,
    request: pytest.FixtureRequest,
    who: tuple[str, str] | None,
    timeout_ms: int = 10_000,
) -> Iterator[Page]:
    """A page of its own browser context on `server`, signed in as `who` (email, password) or not at all;
    any JavaScript error or CSP violation it reports fails the test, and a failing test leaves a screenshot."""
    context = _new_context(browser, server)
    if who is not None:
        sign_in(context, server, *who)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    problems = PageProblems()
    problems.watch(page)
    request.node.page_problems = problems
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # a screenshot must not hide the real failure
            print(f"screenshot failed: {exc}")
    context.close()
    assert not problems.errors, "the page reported problems:\n" + "\n".join(problems.errors)


def make_project(
    api: httpx.Client, config: str, tasks: list[dict[str, Any]] | None = None, **fields: Any
) -> int:
    """A project with that config (and tasks imported), through the REST API."""
    body = {"title": fields.pop("title", "Browser test"), "label_config": config, **fields}
    response = api.post("/api/projects", json=body)
    assert response.status_code == 201, response.text
    project_id: int = response.json()["id"]
    if tasks:
        imported = api.post(f"/api/projects/{project_id}/import", json=tasks)
        assert imported.status_code == 201, imported.text
    return project_id


def loopback_server(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Server]:
    """A server of its own that may reach fake services on 127.0.0.1 (the SSRF allowlist)."""
    server = launch_server(
        tmp_path_factory.mktemp(name), env_extra={"LABELWISE_SSRF_ALLOW_HOSTS": "127.0.0.1"}
    )
    yield server
    stop_server(server)


@pytest.fixture
def fresh_page(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[Page, Server]]:
    """A page on a second server with an empty data directory and no account yet."""
    fresh = launch_server(tmp_path_factory.mktemp("fresh-data"), owner=False)
    try:
        for page in _page(browser, fresh, request, signed_in=False):
            yield page, fresh
    finally:
        stop_server(fresh)
