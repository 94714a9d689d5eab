"""The one contract every kind of model connection answers.

Why a contract and not a base class with the database in it: the three kinds (a remote Label Studio ML
backend over HTTP, the built-in scikit-learn classifier, an OpenAI-compatible LLM) differ in everything but
this shape, and each must be testable on plain data. The caller (`ml/connections.py`, the pre-annotation
runs) reads tasks and annotations from the database, hands them over as plain dicts, and stores what comes
back as predictions with their model version and score.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class ModelError(Exception):
    """A connection could not do what was asked; the message is shown to the user as is (no secrets in it)."""


@dataclass(frozen=True)
class ProjectView:
    """What a model may know of the project: its id, the labeling config, and the connection's settings."""

    id: int
    label_config: str
    title: str = ""
    # The connection row's `extra_params` with secrets already decrypted (an LLM's `api_key`).
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Example:
    """A labeled task for training or few-shot prompts: ground truth first, then consensus, then the rest."""

    task: Mapping[str, Any]  # {"id": int, "data": {...}}
    result: Sequence[Mapping[str, Any]]  # Label Studio result list
    ground_truth: bool = False


@dataclass(frozen=True)
class Proposal:
    """One prediction for one task, in Label Studio's result format."""

    task: int
    result: list[dict[str, Any]]
    score: float | None
    model_version: str
    # Tokens and cost an LLM spent on this task (0 for other kinds); a cache hit costs nothing.
    tokens: int = 0
    cost: float = 0.0
    cached: bool = False


# Called with (done, total) as a batch progresses; raising from it (cancellation) stops the batch.
Progress = Callable[[int, int], None]


class Model(Protocol):
    """A connected model. Instances are built per use by the kind's factory, cheap to make."""

    def health(self) -> None:
        """Return if the model can answer now; raise ModelError saying why not."""

    def setup(self) -> str:
        """Tell the model about the project; returns the model version it will predict with."""

    def predict(self, tasks: Sequence[Mapping[str, Any]], progress: Progress | None = None) -> list[Proposal]:
        """Predictions for `tasks` ({"id", "data"} dicts). A task the model has no answer for is left out;
        a failure of the whole batch raises ModelError."""

    def train(self, examples: Sequence[Example]) -> str | None:
        """Train (or ask the remote backend to) on `examples`; the new model version, or None when this
        kind does not train or training happens elsewhere."""


# A kind's factory: (project, url, connection settings) -> Model. Registered in `ml/kinds.py` by name
# ("remote", "builtin", "llm").
Factory = Callable[[ProjectView, str, Mapping[str, Any]], Model]
