"""The page shell: static files, security headers, and the login redirect."""

from __future__ import annotations

import httpx

from tests.browser.conftest import Server


def test_pages_need_a_session_and_redirect_to_login(server: Server) -> None:
    response = httpx.get(server.url + "/projects", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/user/login?next=/projects"


def test_static_files_are_served_with_the_strict_policy(server: Server) -> None:
    response = httpx.get(server.url + "/static/js/http.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]


def test_static_files_refuse_traversal(server: Server) -> None:
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py"):
        response = httpx.get(server.url + path)
        assert response.status_code == 404, path
