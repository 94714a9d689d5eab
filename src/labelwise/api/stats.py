"""Project dashboards' numbers."""

from __future__ import annotations

from labelwise.api.router import Router

router = Router(tags=["stats"])
