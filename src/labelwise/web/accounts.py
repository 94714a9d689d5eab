"""Pages: accounts (placeholder; filled in by the step-3 work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
