"""Pages: log in, sign up, the account page, and `/` (to the projects, or to the login page).

Every change on these pages goes through the REST API (`/api/auth/login`, `/api/auth/signup`, `/api/users/{id}`,
the token and invitation endpoints); the pages only render what the browser needs to start.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from labelwise import policies
from labelwise.api.deps import SessionDep
from labelwise.services import signup
from labelwise.settings import Settings
from labelwise.web.session import MaybePageUser, PageUser
from labelwise.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/projects"
# Browsers drop tabs and newlines inside URLs and read "\" as "/", so "/\tevil" or "/\evil" would leave the site.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(value: str | None) -> str:
    """`?next=` as a same-site path, or the projects page: never a redirect to another site."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return HOME
    if _UNSAFE.search(value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith("/user/login"):
        return HOME
    return value


@router.get("/")
def home(user: MaybePageUser) -> Response:
    return RedirectResponse(HOME if user is not None else "/user/login", status_code=303)


@router.get("/user/login")
def login_page(request: Request, user: MaybePageUser, next: str | None = None) -> Response:
    target = safe_next(next)
    if user is not None:
        return RedirectResponse(target, status_code=303)
    settings: Settings = request.app.state.settings
    return render(request, "login.html", page={"next": target, "signup": settings.signup != "off"})


@router.get("/user/signup")
def signup_page(request: Request, db: SessionDep, user: MaybePageUser, token: str | None = None) -> Response:
    settings: Settings = request.app.state.settings
    state = signup.state(db, settings.signup)
    page = dict(state, token=token if isinstance(token, str) and len(token) <= 200 else None)
    return render(request, "signup.html", page=page, state=state)


@router.get("/user/account")
def account_page(request: Request, user: PageUser) -> Response:
    page = {
        "id": user.id,
        "email": user.email,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "can_invite": policies.allowed(user, "user.manage"),
    }
    return render(request, "account.html", page=page)
