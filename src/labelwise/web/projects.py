"""Pages: the projects list (placeholder; filled in by the step-3 work)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from labelwise.web.session import PageUser

router = APIRouter(include_in_schema=False)


@router.get("/projects")
def projects_list(request: Request, user: PageUser) -> HTMLResponse:
    return HTMLResponse("<!doctype html><title>Projects</title>")
