"""Unauthenticated liveness and version endpoints."""

from __future__ import annotations

from typing import Any

from labelwise import __version__
from labelwise.api.router import Router

router = Router(tags=["system"])


@router.get("/health")
def health() -> dict[str, Any]:
    return {"status": "UP"}


@router.get("/api/version")
def version() -> dict[str, Any]:
    return {
        "release": __version__,
        "label-studio-os-package": {"version": "1.23.2", "short_version": "1.23"},
        "labelwise": {"version": __version__},
        "edition": "Community",
    }
