"""Log in and out, the caller's identity, legacy tokens and personal access tokens."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep, json_object
from labelwise.api.router import Router
from labelwise.api.serializers import user as user_out
from labelwise.db.models import User
from labelwise.services import sessions, tokens, users
from labelwise.services.errors import Forbidden, Invalid
from labelwise.settings import Settings

router = Router(tags=["auth"])


@router.post("/api/auth/login")
async def login(request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    """JSON `{email, password}` or a form post; sets the session and CSRF cookies."""
    refuse_cross_site(request)
    if request.headers.get("content-type", "").startswith("application/json"):
        from labelwise.api.deps import json_body

        body = json_object(await json_body(request))
    else:
        body = dict(await request.form())
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        raise Invalid("email and password are required", {"email": ["required"], "password": ["required"]})
    user = sessions.sign_in(db, email, password, origin(request))
    return session_response(request, settings, user)


def origin(request: Request) -> sessions.Origin:
    """The peer's address (not `X-Forwarded-For`, which any client can write) and its user agent."""
    host = request.client.host if request.client else None
    return sessions.Origin(host, request.headers.get("user-agent"))


def refuse_cross_site(request: Request) -> None:
    """Log-in and sign-up set a session, so no other site may post them (login CSRF: a page elsewhere signing
    the victim into the attacker's account). Browsers send `Origin` on cross-site POSTs; scripts and the SDK
    send none and are not affected."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    # Hosts only: behind a TLS-terminating proxy the page's origin is https while this request may be http.
    own = request.headers.get("host", request.url.netloc).lower()
    if origin.rstrip("/").lower().partition("://")[2] != own:
        raise Forbidden("log-in and sign-up are only accepted from this site's own pages")


def session_response(request: Request, settings: Settings, user: User, status_code: int = 200) -> Response:
    """`{id, email, csrf_token}` with the session and CSRF cookies set: what logging in (and signing up) answers."""
    from labelwise.api.responses import JSON

    value, csrf = sessions.issue(user, request.app.state.secret)
    response = JSON({"id": user.id, "email": user.email, "csrf_token": csrf}, status_code=status_code)
    secure = request.url.scheme == "https"
    age = settings.session_days * 86400
    response.set_cookie(
        sessions.SESSION_COOKIE, value, max_age=age, httponly=True, samesite="lax", secure=secure
    )
    response.set_cookie(
        sessions.CSRF_COOKIE, csrf, max_age=age, httponly=False, samesite="lax", secure=secure
    )
    return response


@router.post("/api/auth/logout")
def logout(request: Request, user: CurrentUser, db: SessionDep) -> Response:
    from labelwise.api.responses import JSON

    sessions.signed_out(db, user, origin(request))
    response = JSON({"detail": "logged out"})
    response.delete_cookie(sessions.SESSION_COOKIE)
    response.delete_cookie(sessions.CSRF_COOKIE)
    return response


@router.get("/api/current-user/whoami")
def whoami(user: CurrentUser) -> dict[str, Any]:
    return user_out(user)


@router.get("/api/current-user/token")
def current_token(user: CurrentUser) -> dict[str, Any]:
    return {"token": user.token}


@router.post("/api/current-user/reset-token")
def reset_token(user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    return {"token": users.reset_token(db, user)}


@router.get("/api/token")
def list_tokens(user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    return [
        {"id": t.id, "token": None, "created_at": t.created_at, "expires_at": t.expires_at}
        for t in tokens.list_personal(db, user)
    ]


@router.post("/api/token", status_code=201)
def create_token(
    user: CurrentUser, db: SessionDep, settings: SettingsDep, request: Request
) -> dict[str, Any]:
    row, token = tokens.create_personal(db, user, request.app.state.secret, settings.personal_token_days)
    return {
        "id": row.id,
        "token": token,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
    }


@router.post("/api/token/refresh")
def refresh(body: JsonBody, db: SessionDep, settings: SettingsDep, request: Request) -> dict[str, Any]:
    data = json_object(body)
    refresh_token = data.get("refresh")
    if not isinstance(refresh_token, str):
        raise Invalid("refresh is required", {"refresh": ["required"]})
    access = tokens.refresh_access(db, refresh_token, request.app.state.secret, settings.access_token_minutes)
    return {"access": access}


@router.post("/api/token/blacklist", status_code=204)
def blacklist(body: JsonBody, db: SessionDep, request: Request) -> Response:
    data = json_object(body)
    refresh_token = data.get("refresh")
    if not isinstance(refresh_token, str):
        raise Invalid("refresh is required", {"refresh": ["required"]})
    tokens.revoke_by_refresh(db, refresh_token, request.app.state.secret)
    return Response(status_code=204)


@router.delete("/api/token/{token_id}", status_code=204)
def revoke(token_id: int, user: CurrentUser, db: SessionDep) -> Response:
    tokens.revoke(db, user, token_id)
    return Response(status_code=204)
