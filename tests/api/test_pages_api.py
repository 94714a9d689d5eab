"""What the account and project pages rely on: the config preview with errors at their line, Markdown made
safe, the log-in page's `next` kept on this site, pages that need a session, titles and names escaped."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from labelwise.labeling import TEMPLATES
from labelwise.web.accounts import safe_next


def test_preview_answers_schema_and_sample_task(client: TestClient) -> None:
    config = (
        '<View>\n  <Text name="t" value="$text"/>\n  <Choices name="c" toName="t" value="$opts"/>\n</View>'
    )
    r = client.post("/api/labeling/preview", json={"label_config": config})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        set(body["schema"]["objects"]) == {"t"} and body["schema"]["controls"]["c"]["options_key"] == "opts"
    )
    assert isinstance(body["sample_task"]["data"]["text"], str)
    assert body["sample_task"]["data"]["opts"] == [
        {"value": "Option A"},
        {"value": "Option B"},
        {"value": "Option C"},
    ]
    assert body["orphans"] == []


@pytest.mark.parametrize(
    ("config", "line", "words"),
    [
        ('<View>\n  <Text name="t" value="$t"/>\n  <Choices name="c" toName="nope">\n'
         '    <Choice value="a"/>\n  </Choices>\n</View>', 3, "not an object tag name"),
        ('<View>\n  <Text name="t" value="$t"/>\n  <Bogus/>\n</View>', 3, "unknown tag"),
        ('<View>\n  <Text name="t" value="$t">\n</View>', 3, "malformed XML"),
        ('<View>\n\n\n  <Text name="t"/>\n</View>', 4, "value"),
        ('<View>\n  <Text name="t" value="$t"/>\n  <Text name="t" value="$u"/>\n</View>', 3, "duplicate name"),
    ],
)  # fmt: skip
def test_preview_errors_carry_their_line(client: TestClient, config: str, line: int, words: str) -> None:
    r = client.post("/api/labeling/preview", json={"label_config": config})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["line"] == line
    assert words in body["message"]
    assert body["validation_errors"]["label_config"][0].startswith(f"line {line}: ")


def test_preview_bad_input(client: TestClient, anon: TestClient) -> None:
    assert client.post("/api/labeling/preview", json={}).json()["validation_errors"] == {
        "label_config": ["required"]
    }
    assert client.post("/api/labeling/preview", json={"label_config": 5}).status_code == 400
    assert (
        client.post(
            "/api/labeling/preview", content=b"{", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert anon.post("/api/labeling/preview", json={"label_config": "<View/>"}).status_code == 401


def test_every_template_previews(client: TestClient) -> None:
    for template in TEMPLATES:
        r = client.post("/api/labeling/preview", json={"label_config": template.config})
        assert r.status_code == 200, (template.id, r.text)
        data = r.json()["sample_task"]["data"]
        assert set(r.json()["schema"]["data_keys"]) <= set(data), template.id


def test_markdown_is_rendered_and_sanitized(client: TestClient) -> None:
    text = "# Rules\n\n**Bold** [ok](https://example.org) [bad](javascript:alert(1))\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>"
    r = client.post("/api/labeling/markdown", json={"text": text})
    assert r.status_code == 200
    out = r.json()["html"]
    assert "<h1>Rules</h1>" in out and "<strong>Bold</strong>" in out and 'href="https://example.org"' in out
    assert "<script" not in out and "<img" not in out and 'href="javascript' not in out
    assert "&lt;script&gt;" in out  # raw HTML stays visible text
    assert client.post("/api/labeling/markdown", json={"text": 5}).status_code == 400
    assert client.post("/api/labeling/markdown", json={"text": "x" * 200_001}).status_code == 400
    assert client.post("/api/labeling/markdown", json={}).json() == {"html": ""}


@pytest.mark.parametrize(
    "value",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil", "/\t/evil.example",
     "javascript:alert(1)", "http:/evil", " /projects", "", None, "projects", "/user/login?next=/x",
     "/x\n/y"],
)  # fmt: skip
def test_next_is_kept_on_this_site(value: str | None) -> None:
    assert safe_next(value) == "/projects"


@pytest.mark.parametrize(
    "value", ["/projects/3/data", "/projects/3/label?task=5", "/user/account#token", "/"]
)
def test_same_site_next_is_kept(value: str) -> None:
    assert safe_next(value) == value


def test_login_page_hands_the_safe_next_to_the_script(anon: TestClient) -> None:
    for raw, expected in [("//evil.example", "/projects"), ("/projects/7/data", "/projects/7/data")]:
        r = anon.get("/user/login", params={"next": raw})
        assert r.status_code == 200
        data = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', r.text)
        assert data is not None and f'"next":"{expected}"' in data.group(1)


def test_signed_in_login_page_redirects_to_next(client: TestClient) -> None:
    with TestClient(client.app) as browser:
        browser.post("/api/auth/login", json={"email": "owner@example.com", "password": "owner-password"})
        r = browser.get("/user/login", params={"next": "https://evil.example"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/projects"
        assert browser.get("/", follow_redirects=False).headers["location"] == "/projects"


def test_root_redirects_to_login_without_a_session(anon: TestClient) -> None:
    r = anon.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/user/login"
    for path in ("/projects", "/projects/new", "/user/account", "/projects/1/settings"):
        r = anon.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/user/login?next=/")


PROBE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


def test_hostile_titles_and_names_are_escaped(client: TestClient) -> None:
    pid = client.post("/api/projects", json={"title": PROBE, "description": PROBE}).json()["id"]
    me = client.get("/api/current-user/whoami").json()
    client.patch(f"/api/users/{me['id']}", json={"first_name": PROBE, "username": PROBE})
    with TestClient(client.app) as browser:
        browser.post("/api/auth/login", json={"email": "owner@example.com", "password": "owner-password"})
        for path in ("/projects", f"/projects/{pid}/settings", "/user/account", "/projects/new"):
            page = browser.get(path)
            assert page.status_code == 200, path
            assert "<img src=x" not in page.text and "<script>alert" not in page.text, path
        assert html.escape(PROBE, quote=False) in browser.get("/projects").text
        assert "\\u003cimg" in browser.get("/user/account").text  # inside the JSON block too


def test_pages_refuse_roles_without_the_right(client: TestClient) -> None:
    client.post(
        "/api/users", json={"email": "a@example.com", "password": "long-enough-1", "role": "annotator"}
    )
    pid = client.post("/api/projects", json={"title": "p"}).json()["id"]
    with TestClient(client.app) as browser:
        browser.post("/api/auth/login", json={"email": "a@example.com", "password": "long-enough-1"})
        assert browser.get("/projects").status_code == 200
        assert "Create project" not in browser.get("/projects").text
        assert browser.get("/projects/new").status_code == 403
        assert browser.get(f"/projects/{pid}/settings").status_code == 403
        assert browser.get("/projects/999999/settings").status_code == 404


def test_projects_list_pages_on_the_server(client: TestClient) -> None:
    for i in range(35):
        client.post("/api/projects", json={"title": f"project number {i}"})
    with TestClient(client.app) as browser:
        browser.post("/api/auth/login", json={"email": "owner@example.com", "password": "owner-password"})
        first = browser.get("/projects").text
        assert first.count('class="project-card panel"') == 30
        assert "project number 34" in first and "project number 4<" not in first  # newest first
        assert 'href="/projects?page=2"' in first and "Page 1 of 2" in first
        second = browser.get("/projects", params={"page": 2}).text
        assert second.count('class="project-card panel"') == 5 and "project number 0<" in second
        assert browser.get("/projects", params={"page": 0}).status_code == 400
        assert (
            browser.get("/user/signup/", params={"token": "x"}).status_code == 200
        )  # LS links end in a slash
