"""An LLM connection's `extra_params`, read and checked once: model, prompt, key, temperature, limits, prices.

Why here and not in the API: the same checks run when a connection is saved (a 400 naming the field) and when
the kind's factory builds a model from a stored row (a ModelError), so they live with the kind.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from labelwise.ml.llm.client import Prices

MAX_CONCURRENCY = 64
MAX_FEW_SHOT = 20


class ParamError(ValueError):
    """A bad parameter; `field` is its name under `extra_params`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"extra_params.{field}: {message}")
        self.field = field


def _number(params: Mapping[str, Any], name: str, default: float, low: float, high: float) -> float:
    raw = params.get(name, default)
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ParamError(name, f"must be a number, not {type(raw).__name__}")
    if not low <= raw <= high:
        raise ParamError(name, f"must be between {low:g} and {high:g}, not {raw:g}")
    return float(raw)


def _text(params: Mapping[str, Any], name: str, *, required: bool, limit: int) -> str:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise ParamError(name, "is required")
        return ""
    if not isinstance(raw, str):
        raise ParamError(name, f"must be a string, not {type(raw).__name__}")
    if len(raw) > limit:
        raise ParamError(name, f"must be at most {limit} characters")
    return raw


def _key(params: Mapping[str, Any]) -> str:
    key = _text(params, "api_key", required=False, limit=1000)
    if any(not (33 <= ord(c) <= 126) for c in key):
        raise ParamError("api_key", "must be printable ASCII without spaces")
    return key


@dataclass(frozen=True)
class Params:
    model: str
    prompt: str
    api_key: str = ""
    temperature: float = 0.0
    max_concurrency: int = 4
    prices: Prices = field(default_factory=Prices)
    few_shot: int = 0

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> Params:
        if not isinstance(params, Mapping):
            raise ParamError("model", "extra_params must be an object")
        return cls(
            model=_text(params, "model", required=True, limit=200),
            prompt=_text(params, "prompt", required=True, limit=100_000),
            api_key=_key(params),
            temperature=_number(params, "temperature", 0.0, 0.0, 2.0),
            max_concurrency=int(_number(params, "max_concurrency", 4, 1, MAX_CONCURRENCY)),
            prices=Prices(
                _number(params, "price_per_1k_input", 0.0, 0.0, 1e6),
                _number(params, "price_per_1k_output", 0.0, 0.0, 1e6),
            ),
            few_shot=int(_number(params, "few_shot", 0, 0, MAX_FEW_SHOT)),
        )

    @property
    def version(self) -> str:
        """`<model>@<hash8>`: the hash covers what changes answers besides the model (prompt, temperature,
        few-shot count), so each prompt version is scored and compared on its own."""
        what = {"prompt": self.prompt, "temperature": self.temperature, "few_shot": self.few_shot}
        digest = hashlib.sha256(orjson.dumps(what, option=orjson.OPT_SORT_KEYS)).hexdigest()
        return f"{self.model}@{digest[:8]}"
