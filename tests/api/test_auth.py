"""Authentication: legacy tokens, JWT personal access tokens, cookie sessions with CSRF, roles."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from labelwise.app import ROUTERS
from labelwise.db.models import User
from labelwise.services import users
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_TOKEN
from tests.support.people import join


def _api_routes(app: FastAPI) -> list[tuple[str, str]]:
    out = []
    for route in [r for router in ROUTERS for r in router.routes]:
        path = getattr(route, "path", "")
        for method in sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}):
            out.append((method, path.replace("{project_id}", "1").replace("{task_id}", "1")))
    return out


def test_every_endpoint_but_health_version_login_needs_auth(app: FastAPI, anon: TestClient) -> None:
    public = {"/health", "/health/", "/api/version", "/api/version/", "/api/auth/login", "/api/auth/login/",
              "/api/token/refresh", "/api/token/refresh/", "/api/token/blacklist", "/api/token/blacklist/", "/api/auth/signup", "/api/auth/signup/"}  # fmt: skip
    checked = 0
    for method, path in _api_routes(app):
        if path in public or path.startswith(("/docs", "/openapi", "/redoc")):
            continue
        path = re.sub(r"{\w+}", "1", path)  # every path parameter, whatever its name
        r = anon.request(method, path)
        assert r.status_code == 401, f"{method} {path} gave {r.status_code}"
        checked += 1
    assert checked > 30


def test_public_endpoints(anon: TestClient) -> None:
    assert anon.get("/health").json() == {"status": "UP"}
    assert "release" in anon.get("/api/version/").json()


def test_wrong_token_is_401(anon: TestClient, admin: User) -> None:
    assert anon.get("/api/current-user/whoami", headers={"Authorization": "Token nope"}).status_code == 401
    r = anon.get("/api/current-user/whoami", headers={"Authorization": f"Token {ADMIN_TOKEN}"})
    assert r.status_code == 200 and r.json()["email"] == ADMIN_EMAIL


def test_personal_access_token_refresh_flow(anon: TestClient, pat: str) -> None:
    r = anon.post("/api/token/refresh/", json={"refresh": pat})
    assert r.status_code == 200
    access = r.json()["access"]
    me = anon.get("/api/current-user/whoami", headers={"Authorization": f"Bearer {access}"})
    assert me.status_code == 200 and me.json()["email"] == ADMIN_EMAIL
    # The refresh token itself is not an access token.
    assert anon.get("/api/current-user/whoami", headers={"Authorization": f"Bearer {pat}"}).status_code == 401
    assert anon.post("/api/token/blacklist/", json={"refresh": pat}).status_code == 204
    assert anon.post("/api/token/refresh/", json={"refresh": pat}).status_code == 401


def test_tampered_jwt_is_refused(anon: TestClient, pat: str) -> None:
    head, body, sig = pat.split(".")
    forged = f"{head}.{body}.{sig[::-1]}"
    assert anon.post("/api/token/refresh/", json={"refresh": forged}).status_code == 401


def test_create_pat_via_api(client: TestClient) -> None:
    r = client.post("/api/token/")
    assert r.status_code == 201
    token = r.json()["token"]
    assert client.post("/api/token/refresh/", json={"refresh": token}).status_code == 200
    assert len(client.get("/api/token/").json()) == 1


def test_session_cookie_needs_csrf_for_writes(anon: TestClient, admin: User) -> None:
    r = anon.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert r.status_code == 200
    csrf = r.json()["csrf_token"]
    assert anon.get("/api/current-user/whoami").status_code == 200
    assert anon.post("/api/projects", json={"title": "x"}).status_code == 403
    assert anon.post("/api/projects", json={"title": "x"}, headers={"X-CSRFToken": csrf}).status_code == 201


def test_login_wrong_password(anon: TestClient, admin: User) -> None:
    r = anon.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": "wrong-password"})
    assert r.status_code == 401


@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_low_roles_cannot_create_or_delete_projects(client: TestClient, db: Session, role: str) -> None:
    pid = client.post("/api/projects", json={"title": "x"}).json()["id"]
    low = users.create(db, f"{role}@example.com", "password-123", role)
    headers = {"Authorization": f"Token {low.token}"}
    # A project they do not belong to does not exist for them...
    assert client.delete(f"/api/projects/{pid}", headers=headers).status_code == 404
    assert client.get(f"/api/projects/{pid}", headers=headers).status_code == 404
    assert client.get("/api/projects", headers=headers).json()["count"] == 0
    # ...and in one they do, they still may not delete, export or create.
    join(db, pid, low, role)
    assert client.get("/api/projects", headers=headers).json()["count"] == 1
    assert client.post("/api/projects", json={"title": "y"}, headers=headers).status_code == 403
    assert client.delete(f"/api/projects/{pid}", headers=headers).status_code == 403
    assert client.get(f"/api/projects/{pid}/export", headers=headers).status_code == 403
    assert client.post("/api/users", json={"email": "z@example.com"}, headers=headers).status_code == 403


def test_security_headers(client: TestClient) -> None:
    r = client.get("/api/projects")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_token_callers_are_live_rows_whose_changes_persist(
    client: TestClient, anon: TestClient, db: Session, admin: User
) -> None:
    """The token lookup builds the caller without an ORM query; it must still be a real row."""
    r = client.patch(f"/api/users/{admin.id}", json={"first_name": "Ada"})
    assert r.status_code == 200, r.text
    assert client.get("/api/current-user/whoami").json()["first_name"] == "Ada"
    new = client.post("/api/current-user/reset-token").json()["token"]
    assert new != ADMIN_TOKEN
    assert (
        anon.get("/api/current-user/whoami", headers={"Authorization": f"Token {ADMIN_TOKEN}"}).status_code
        == 401
    )
    me = anon.get("/api/current-user/whoami", headers={"Authorization": f"Token {new}"})
    assert me.status_code == 200 and me.json()["email"] == ADMIN_EMAIL
    other = users.create(db, "other@example.com", "password-123", "annotator", token="other-token-1")
    db.commit()
    other_auth = {"Authorization": "Token other-token-1"}
    assert anon.get("/api/current-user/whoami", headers=other_auth).status_code == 200
    owner = {"Authorization": f"Token {new}"}
    assert anon.delete(f"/api/users/{other.id}", headers=owner).status_code == 204
    assert anon.get("/api/current-user/whoami", headers=other_auth).status_code == 401


def test_log_in_and_sign_up_refuse_other_sites(anon, admin) -> None:  # type: ignore[no-untyped-def]
    """Login CSRF: a form on another site must not sign the visitor into an account of the attacker's."""
    from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

    body = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    r = anon.post("/api/auth/login", data=body, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "own pages" in r.json()["detail"]
    assert "lw_session" not in r.cookies
    r = anon.post("/api/auth/signup", json={"email": "x@example.com", "password": "long-password"},
                  headers={"Origin": "https://evil.example"})  # fmt: skip
    assert r.status_code == 403
    r = anon.post("/api/auth/login", json=body, headers={"Origin": "null"})  # a sandboxed frame
    assert r.status_code == 403
    # The site's own pages (and clients that send no Origin) log in as before.
    assert anon.post("/api/auth/login", json=body, headers={"Origin": "http://testserver"}).status_code == 200
    assert anon.post("/api/auth/login", json=body).status_code == 200
