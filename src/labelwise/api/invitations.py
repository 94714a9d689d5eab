"""Sign-up and the invitation link (Label Studio's `/api/invite` and `/api/invite/reset-token`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from labelwise import policies
from labelwise.api.auth import refuse_cross_site, session_response
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep, json_object
from labelwise.api.router import Router
from labelwise.services import invitations, signup

router = Router(tags=["auth"])


@router.post("/api/auth/signup", status_code=201)
def sign_up(request: Request, body: JsonBody, db: SessionDep, settings: SettingsDep) -> Response:
    """`{email, password, token?}` → the new account, signed in (the same cookies as `/api/auth/login`)."""
    refuse_cross_site(request)
    data = json_object(body)
    user = signup.sign_up(db, settings.signup, data.get("email"), data.get("password"), data.get("token"))
    return session_response(request, settings, user, status_code=201)


@router.get("/api/auth/signup")
def sign_up_state(db: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    """Whether sign-up is possible here and whether it needs an invitation link."""
    return signup.state(db, settings.signup)


@router.get("/api/invite")
def invite(user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    policies.require(user, "user.manage")
    token = invitations.ensure(db)
    return {"invite_url": invitations.url_for(token), "token": token}


@router.post("/api/invite/reset-token")
def reset_invite(user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    policies.require(user, "user.manage")
    token = invitations.reset(db, user)
    return {"invite_url": invitations.url_for(token), "token": token}
