"""Account pages in Chromium: the first owner signs up on a fresh server, an invitation link makes an
annotator, log in and out, the account page with the API token, hostile names shown as text."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Server, _page

PROBE = '<img src=x onerror="window.__xss=1">"><script>window.__xss=2</script>'


def test_first_user_signs_up_as_owner_on_a_fresh_server(fresh_page: tuple[Page, Server]) -> None:
    page, fresh = fresh_page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/user/login$"))
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Create the owner account")).to_be_visible()
    page.fill("input[name=email]", "founder@example.com")
    page.fill("input[name=password]", "short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#password-error")).to_have_text("At least 8 characters.")
    page.fill("input[name=password]", "founder-password")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/projects$"))
    expect(page.locator(".account-link")).to_have_text("founder@example.com")
    me = page.request.get("/api/current-user/whoami").json()
    assert me["email"] == "founder@example.com" and me["role"] == "owner"
    # The next visitor needs an invitation.
    assert httpx.get(fresh.url + "/api/auth/signup").json()["needs_token"] is True


def test_invitation_link_signs_up_an_annotator(anon_page: Page, api: httpx.Client) -> None:
    invite = api.get("/api/invite").json()
    anon_page.goto("/user/signup")
    expect(anon_page.locator("#signup-needs-invite")).to_be_visible()
    anon_page.goto("/user/signup?token=not-the-token")
    anon_page.fill("input[name=email]", "invited-bad@example.com")
    anon_page.fill("input[name=password]", "invited-password")
    anon_page.get_by_role("button", name="Create account").click()
    expect(anon_page.locator("#token-error")).to_contain_text("no longer valid")
    anon_page.goto(invite["invite_url"])
    anon_page.fill("input[name=email]", "owner@example.com")
    anon_page.fill("input[name=password]", "invited-password")
    anon_page.get_by_role("button", name="Create account").click()
    expect(anon_page.locator("#email-error")).to_have_text("already taken")
    anon_page.fill("input[name=email]", "invited@example.com")
    anon_page.get_by_role("button", name="Create account").click()
    expect(anon_page).to_have_url(re.compile(r"/projects$"))
    expect(anon_page.get_by_role("link", name="Create project")).to_have_count(0)
    users = {u["email"]: u for u in api.get("/api/users").json()}
    assert users["invited@example.com"]["role"] == "annotator"
    assert "invited-bad@example.com" not in users


def test_log_in_and_out(anon_page: Page, server: Server) -> None:
    anon_page.goto("/projects")
    expect(anon_page).to_have_url(re.compile(r"/user/login\?next=/projects$"))
    anon_page.fill("input[name=email]", server.email)
    anon_page.fill("input[name=password]", "wrong-password")
    anon_page.keyboard.press("Enter")
    expect(anon_page.locator("#login-error")).to_have_text("Wrong email or password.")
    anon_page.fill("input[name=password]", server.password)
    anon_page.keyboard.press("Enter")
    expect(anon_page).to_have_url(re.compile(r"/projects$"))
    anon_page.get_by_role("button", name="Log out").click()
    expect(anon_page).to_have_url(re.compile(r"/user/login$"))
    anon_page.goto("/user/account")
    expect(anon_page).to_have_url(re.compile(r"/user/login\?next=/user/account$"))


def test_login_next_never_leaves_the_site(anon_page: Page, server: Server) -> None:
    anon_page.goto("/user/login?next=//evil.example/x")
    anon_page.fill("input[name=email]", server.email)
    anon_page.fill("input[name=password]", server.password)
    anon_page.keyboard.press("Enter")
    expect(anon_page).to_have_url(server.url + "/projects")


def test_account_shows_the_token_and_saves_names(page: Page, server: Server, api: httpx.Client) -> None:
    page.goto("/user/account")
    expect(page.locator("#api-token")).to_have_value(server.token)
    expect(page.locator("#invite-url")).to_have_value(
        re.compile(r"^http://127\.0\.0\.1:\d+/user/signup\?token=\S+$")
    )
    page.fill("input[name=first_name]", "Ada")
    page.fill("input[name=last_name]", "Lovelace")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#profile-status")).to_have_text("Saved.")
    me = api.get("/api/current-user/whoami").json()
    assert (me["first_name"], me["last_name"]) == ("Ada", "Lovelace")


def test_token_reset_and_hostile_names(
    browser: Browser, server: Server, api: httpx.Client, request: pytest.FixtureRequest
) -> None:
    """A user of their own (resetting the owner's token would break the other tests), named with a probe."""
    r = api.post(
        "/api/users",
        json={
            "email": "resetter@example.com",
            "password": "resetter-pass",
            "role": "annotator",
            "first_name": PROBE,
            "username": PROBE,
        },
    )
    assert r.status_code == 201, r.text
    for page in _page(browser, server, request, signed_in=False):
        page.request.post(
            "/api/auth/login", data={"email": "resetter@example.com", "password": "resetter-pass"}
        )
        page.goto("/user/account")
        old = page.request.get("/api/current-user/token").json()["token"]
        expect(page.locator("#api-token")).to_have_value(old)
        expect(page.locator("input[name=first_name]")).to_have_value(PROBE)
        expect(page.locator("#invite-url")).to_have_count(0)  # annotators cannot invite
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Reset", exact=True).click()
        expect(page.locator("#token-status")).to_have_text("A new token is in force.")
        new = page.locator("#api-token").input_value()
        assert new and new != old
        assert (
            httpx.get(
                server.url + "/api/current-user/whoami", headers={"Authorization": f"Token {new}"}
            ).status_code
            == 200
        )
        assert (
            httpx.get(
                server.url + "/api/current-user/whoami", headers={"Authorization": f"Token {old}"}
            ).status_code
            == 401
        )
        assert page.evaluate("window.__xss") is None
        assert page.locator("img[src=x]").count() == 0
