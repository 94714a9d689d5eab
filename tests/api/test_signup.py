"""Sign-up: the first account owns the installation; then an invitation link (or `LABELWISE_SIGNUP=open`)
is needed, `off` refuses everyone; invited people are annotators and are signed in at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from labelwise.app import create_app
from labelwise.db.runtime import Database
from labelwise.settings import Settings
from tests.conftest import ADMIN_TOKEN


@contextmanager
def installation(settings: Settings, database: Database, mode: str) -> Iterator[TestClient]:
    """A client on an app whose sign-up mode is `mode` (same database as the other fixtures)."""
    configured = Settings(data_dir=settings.data_dir, database_url=settings.database_url, signup=mode)
    with TestClient(create_app(configured, database)) as client:
        yield client


@contextmanager
def browser(client: TestClient) -> Iterator[TestClient]:
    """Another cookie jar on the same running app (no second lifespan, which would stop the app's pools)."""
    yield TestClient(client.app)


def _whoami(client: TestClient) -> dict[str, object]:
    r = client.get("/api/current-user/whoami")
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_first_user_becomes_owner_and_is_signed_in(anon: TestClient) -> None:
    assert anon.get("/api/auth/signup").json() == {
        "mode": "invite", "first_user": True, "enabled": True, "needs_token": False,
    }  # fmt: skip
    r = anon.post("/api/auth/signup", json={"email": "First@Example.com", "password": "long-enough-1"})
    assert r.status_code == 201, r.text
    assert r.cookies.get("lw_session") and r.json()["csrf_token"] == r.cookies.get("lw_csrf")
    me = _whoami(anon)
    assert me["email"] == "first@example.com" and me["role"] == "owner"
    # The session works for writes too (CSRF header from the sign-up answer).
    created = anon.post(
        "/api/projects", json={"title": "mine"}, headers={"X-CSRFToken": r.json()["csrf_token"]}
    )
    assert created.status_code == 201


def test_after_the_first_user_an_invitation_is_needed(client: TestClient) -> None:
    with browser(client) as anon:
        assert anon.get("/api/auth/signup").json()["needs_token"] is True
        r = anon.post("/api/auth/signup", json={"email": "new@example.com", "password": "long-enough-1"})
        assert r.status_code == 400 and "invitation" in r.json()["detail"]
        assert "token" in r.json()["validation_errors"]
        bad = anon.post(
            "/api/auth/signup", json={"email": "new@example.com", "password": "long-enough-1", "token": "x"}
        )
        assert bad.status_code == 400 and bad.json()["validation_errors"]["token"]
        invite = client.get("/api/invite").json()
        assert invite["invite_url"] == f"/user/signup?token={invite['token']}"
        ok = anon.post(
            "/api/auth/signup",
            json={"email": "new@example.com", "password": "long-enough-1", "token": invite["token"]},
        )
        assert ok.status_code == 201, ok.text
        assert _whoami(anon)["role"] == "annotator"


def test_invitation_reset_voids_old_links(client: TestClient) -> None:
    old = client.get("/api/invite").json()["token"]
    assert client.get("/api/invite").json()["token"] == old  # stable until reset
    new = client.post("/api/invite/reset-token").json()
    assert new["token"] != old and new["invite_url"].endswith(new["token"])
    with browser(client) as anon:
        r = anon.post(
            "/api/auth/signup", json={"email": "late@example.com", "password": "long-enough-1", "token": old}
        )
        assert r.status_code == 400 and "no longer valid" in r.json()["validation_errors"]["token"][0]
        r = anon.post(
            "/api/auth/signup",
            json={"email": "late@example.com", "password": "long-enough-1", "token": new["token"]},
        )
        assert r.status_code == 201


def test_only_admins_see_or_reset_the_invitation(client: TestClient) -> None:
    created = client.post(
        "/api/users", json={"email": "m@example.com", "password": "long-enough-1", "role": "manager"}
    )
    assert created.status_code == 201
    with browser(client) as manager:
        manager.post("/api/auth/login", json={"email": "m@example.com", "password": "long-enough-1"})
        csrf = manager.cookies.get("lw_csrf")
        assert manager.get("/api/invite").status_code == 403
        assert manager.post("/api/invite/reset-token", headers={"X-CSRFToken": csrf}).status_code == 403
    assert client.get("/api/invite").status_code == 200


def test_field_errors(client: TestClient) -> None:
    token = client.get("/api/invite").json()["token"]
    with browser(client) as anon:
        cases = [
            ({"email": "owner@example.com", "password": "long-enough-1"}, "email"),  # taken
            ({"email": "not-an-email", "password": "long-enough-1"}, "email"),
            ({"email": "x@example.com", "password": "short"}, "password"),
            ({"email": "x@example.com"}, "password"),
            ({"password": "long-enough-1"}, "email"),
            ({"email": "x@example.com", "password": 12345678}, "password"),
            ({"email": "x@example.com", "password": "long-enough-1", "token": 5}, "token"),
        ]
        for body, field in cases:
            r = anon.post("/api/auth/signup", json={"token": token, **body})
            assert r.status_code == 400, (body, r.text)
            assert field in r.json()["validation_errors"], (body, r.json())
        assert anon.post("/api/auth/signup", json=[1]).status_code == 400
    assert client.get("/api/users").json()[-1]["email"] == "owner@example.com"  # nothing was written


def test_open_mode_needs_no_link(settings: Settings, database: Database, client: TestClient) -> None:
    with installation(settings, database, "open") as anon:
        assert anon.get("/api/auth/signup").json()["needs_token"] is False
        r = anon.post("/api/auth/signup", json={"email": "walk-in@example.com", "password": "long-enough-1"})
        assert r.status_code == 201, r.text
        assert _whoami(anon)["role"] == "annotator"


@pytest.mark.parametrize("first_user", [True, False])
def test_off_mode_refuses_even_with_a_link(
    settings: Settings, database: Database, request: pytest.FixtureRequest, first_user: bool
) -> None:
    token = None
    if not first_user:
        owner = request.getfixturevalue("client")
        token = owner.get("/api/invite").json()["token"]
    with installation(settings, database, "off") as anon:
        assert anon.get("/api/auth/signup").json()["enabled"] is False
        r = anon.post(
            "/api/auth/signup", json={"email": "no@example.com", "password": "long-enough-1", "token": token}
        )
        assert r.status_code == 403 and "switched off" in r.json()["detail"]
        page = anon.get("/user/signup")
        assert page.status_code == 200 and "switched off" in page.text
    with installation(settings, database, "off") as admin:
        # Admins still create users through the API.
        r = admin.post(
            "/api/users",
            json={"email": "made@example.com", "password": "long-enough-1"},
            headers={"Authorization": f"Token {ADMIN_TOKEN}"},
        )
        assert r.status_code == (201 if not first_user else 401)
