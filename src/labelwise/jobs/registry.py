"""Job kinds and the functions that do them, registered at import time of the defining module.

A runner only claims kinds registered in its own process, so a command-line process that never
imported, say, the training module cannot pick up a training job and fail it for want of code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labelwise.jobs.context import Context

JobFunction = Callable[["Context"], dict[str, Any] | None]

_FUNCTIONS: dict[str, JobFunction] = {}


def register(kind: str, fn: JobFunction) -> None:
    """Make `kind` runnable here; registering the same function again (a module re-imported in
    tests) is harmless, a different function under a taken name is a programming error."""
    if not kind or len(kind) > 50:
        raise ValueError(f"job kind must have 1 to 50 characters, not {kind!r}")
    known = _FUNCTIONS.get(kind)
    if known is not None and known is not fn and known.__qualname__ != fn.__qualname__:
        raise ValueError(f"job kind {kind!r} is already registered to {known.__qualname__}")
    _FUNCTIONS[kind] = fn


def function(kind: str) -> JobFunction | None:
    return _FUNCTIONS.get(kind)


def kinds() -> list[str]:
    return sorted(_FUNCTIONS)
