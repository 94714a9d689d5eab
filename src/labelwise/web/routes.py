"""Every page router and the static files, added to the app in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from labelwise.web import (
    accounts,
    activity,
    agreement,
    dashboard,
    datamanager,
    editor_page,
    labeling,
    members,
    ml,
    projects,
    review,
    trash,
)
from labelwise.web.session import LoginRequired, login_url
from labelwise.web.templating import STATIC_DIR

PAGE_MODULES = (
    accounts,
    projects,
    members,
    ml,
    datamanager,
    labeling,
    editor_page,
    review,
    dashboard,
    agreement,
    activity,
    trash,
)


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(_: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    for module in PAGE_MODULES:
        app.router.routes.extend(module.router.routes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, follow_symlink=False), name="static")
