"""Project members, at Label Studio Enterprise's `/api/projects/{id}/members/`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

from labelwise import policies
from labelwise.api.deps import CurrentUser, JsonBody, SessionDep, json_object
from labelwise.api.limits import MAX_PAGE, MAX_PAGE_SIZE
from labelwise.api.router import Router
from labelwise.api.serializers import user as user_out
from labelwise.services import members, projects
from labelwise.services.errors import Invalid

router = Router(tags=["members"])


@router.get("/api/projects/{project_id}/members")
def list_members(project_id: int, user: CurrentUser, db: SessionDep) -> list[dict[str, Any]]:
    project = projects.get(db, project_id)
    policies.require(user, "member.list", project)
    return [
        {"id": m.id, "user": user_out(u), "role": m.role, "created_at": m.created_at}
        for m, u in members.listing(db, project)
    ]


@router.get("/api/projects/{project_id}/members/paginated")
def paginated_members(
    project_id: int,
    request: Request,
    user: CurrentUser,
    db: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    role: str | None = None,
) -> dict[str, Any]:
    """Label Studio Enterprise's member list: users with `project_role`; `?role=a,b` filters by it."""
    project = projects.get(db, project_id)
    policies.require(user, "member.list", project)
    rows = members.listing(db, project)
    if role:
        wanted = {r.strip() for r in role.split(",")}
        rows = [(m, u) for m, u in rows if m.role in wanted]
    chunk = rows[(page - 1) * page_size : page * page_size]
    return {
        "count": len(rows),
        "next": str(request.url.include_query_params(page=page + 1))
        if page * page_size < len(rows)
        else None,
        "previous": str(request.url.include_query_params(page=page - 1)) if page > 1 else None,
        "results": [
            {
                **user_out(u),
                "project_role": m.role,
                "project_role_source": "project",
                "implicit_member": False,
            }
            for m, u in chunk
        ],
    }


@router.post("/api/projects/{project_id}/members", status_code=201)
def add_member(project_id: int, body: JsonBody, user: CurrentUser, db: SessionDep) -> dict[str, Any]:
    """`{"user": id, "role"?: "annotator" | "reviewer" | "manager"}`; posting again changes the role."""
    project = projects.get(db, project_id)
    policies.require(user, "project.members", project)
    data = json_object(body)
    member = members.add(db, project, user, data.get("user"), data.get("role", "annotator"))
    return {"id": member.id, "user": member.user_id, "project": project.id, "role": member.role}


@router.delete("/api/projects/{project_id}/members", status_code=204)
def remove_member(project_id: int, request: Request, user: CurrentUser, db: SessionDep) -> Response:
    """The member is named by `?user=ID` (Label Studio's SDK) ; a JSON body `{"user": ID}` works too."""
    project = projects.get(db, project_id)
    policies.require(user, "project.members", project)
    raw = request.query_params.get("user")
    if raw is None:
        raise Invalid("name the member with ?user=ID", {"user": ["required"]})
    if not raw.isdigit() or len(raw) > 10:
        raise Invalid("user must be a user id", {"user": ["a positive integer is required"]})
    members.remove(db, project, user, int(raw))
    return Response(status_code=204)
