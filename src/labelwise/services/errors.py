"""Errors services raise; the API turns each into one HTTP status with a JSON body."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status_code = 400

    def __init__(self, detail: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class Invalid(ServiceError):
    """Bad input: the message and `errors` say what and where (field, item, tag)."""

    status_code = 400


class NotAuthenticated(ServiceError):
    status_code = 401


class Forbidden(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class Upstream(ServiceError):
    """A store or service Labelwise reads from failed while serving a request (not the caller's fault)."""

    status_code = 502
