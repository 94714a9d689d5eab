"""Who is looking at a page: the signed-in user from the session cookie, or a redirect to the login page.

Pages only read with GET; every change goes through the REST API with the CSRF header, so a page
dependency never needs the CSRF check the API applies to cookie-authenticated writes.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from labelwise.api.deps import SessionDep
from labelwise.db.models import User
from labelwise.services import sessions
from labelwise.settings import Settings


class LoginRequired(Exception):
    """Raised by `page_user` when no valid session cookie came with the request; the app redirects."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def login_url(next_path: str) -> str:
    return "/user/login?next=" + quote(next_path, safe="/")


def user_from_cookie(request: Request, db: Session) -> User | None:
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    if not cookie:
        return None
    settings: Settings = request.app.state.settings
    data = sessions.read(cookie, request.app.state.secret, settings.session_days * 86400)
    if data is None:
        return None
    user = db.get(User, data.user_id)
    if user is None or not user.is_active or user.session_version != data.version:
        return None
    return user


def page_user(request: Request, db: SessionDep) -> User:
    user = user_from_cookie(request, db)
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    request.state.user = user
    return user


def optional_page_user(request: Request, db: SessionDep) -> User | None:
    user = user_from_cookie(request, db)
    request.state.user = user
    return user


PageUser = Annotated[User, Depends(page_user)]
MaybePageUser = Annotated[User | None, Depends(optional_page_user)]
