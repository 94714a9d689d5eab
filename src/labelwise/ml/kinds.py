"""The kinds of model connection by name: `remote` (Label Studio ML backend), `builtin`, `llm`.

A kind's module registers its factory at import time; `factory(name)` imports the known modules first, so a
caller never depends on import order.
"""

from __future__ import annotations

import importlib

from labelwise.ml.contract import Factory, ModelError

KINDS: dict[str, Factory] = {}
_MODULES = {"remote": "labelwise.ml.remote", "builtin": "labelwise.ml.builtin", "llm": "labelwise.ml.llm"}


def register(name: str, make: Factory) -> None:
    KINDS[name] = make


def factory(name: str) -> Factory:
    if name not in KINDS and name in _MODULES:
        importlib.import_module(_MODULES[name])
    try:
        return KINDS[name]
    except KeyError:
        raise ModelError(f"type: unknown model connection type {name!r}; one of {sorted(_MODULES)}") from None
