"""Users of the organization."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from sqlalchemy import select

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.router import Router
from labelwise.api.serializers import user as user_out
from labelwise.db.models import User
from labelwise.services import checks, users
from labelwise.services.errors import Forbidden, Invalid

router = Router(tags=["users"])


@router.get("/api/users")
def list_users(user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    policies.require(user, "user.list")
    return [user_out(u) for u in db.scalars(select(User).order_by(User.id))]


@router.post("/api/users", status_code=201)
def create_user(body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    policies.require(user, "user.manage")
    data = json_object(body)
    role = data.get("role", "annotator")
    if not isinstance(role, str) or not policies.can_assign_role(user, role):
        raise Forbidden(f"you may not create a user with role {role!r}")
    email = data.get("email")
    if not isinstance(email, str):
        raise Invalid("email is required", {"email": ["required"]})
    password = data.get("password")
    if password is not None and not isinstance(password, str):
        raise Invalid("password must be a string", {"password": ["expected a string"]})
    names = {
        k: checks.text(data[k], k, 150)
        for k in ("username", "first_name", "last_name")
        if data.get(k) is not None
    }
    created = users.create(db, email, password, role, actor=user, **names)
    return user_out(created)


@router.get("/api/users/{user_id}")
def get_user(user_id: int, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    policies.require(user, "user.list")
    return user_out(users.get(db, user_id))


@router.patch("/api/users/{user_id}")
def update_user(user_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    target = users.get(db, user_id)
    if target.id != user.id:
        policies.require(user, "user.manage")
    data = json_object(body)
    for key in ("first_name", "last_name", "username"):
        if key in data:
            setattr(target, key, checks.text(data[key], key, 150))
    if "role" in data:
        policies.require(user, "user.manage")
        if not isinstance(data["role"], str) or not policies.can_assign_role(user, data["role"]):
            raise Forbidden(f"you may not assign role {data['role']!r}")
        users.set_role(db, target, data["role"], actor=user)
    db.commit()
    return user_out(target)


@router.delete("/api/users/{user_id}", status_code=204)
def deactivate_user(user_id: int, user: CurrentUser, db: SessionDep) -> Response:
    policies.require(user, "user.manage")
    target = users.get(db, user_id)
    if target.id == user.id:
        raise Invalid("you cannot deactivate yourself")
    target.is_active = False
    db.commit()
    return Response(status_code=204)
