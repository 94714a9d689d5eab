"""Kind `builtin`: the built-in classifier behind the model contract.

Settings the factory reads: `model_dir` (the connection's directory of versions, `ml/builtin/store.py`),
`model_version` (the connection's version: pinned when `auto_update` is off; empty means the newest) and
the connection's `extra_params`: `uncertainty` (least_confidence, margin or entropy: what a prediction's
score measures, see `ml/uncertainty.py`), `retrain_every` (read by `ml/builtin/retrain.py`) and `C` (the
regression's inverse regularisation, default 4).

A prediction's score is the model's certainty under the chosen strategy, so the queue's uncertainty
sampling (lowest score first) hands out the task the model is least sure of.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from labelwise.ml import uncertainty
from labelwise.ml.builtin import target as targets
from labelwise.ml.builtin.classifier import Classifier
from labelwise.ml.builtin.store import Store, Version
from labelwise.ml.contract import Example, Model, ModelError, Progress, ProjectView, Proposal

MAX_C = 1e6
RETRAIN_EVERY = 20  # new annotations between two trainings, unless `extra_params.retrain_every` says
_CACHE: dict[tuple[str, str], Version] = {}  # (directory, version): a loaded version, a few kept
_CACHE_SIZE = 4
_LOCK = threading.Lock()


def _loaded(store: Store, name: str) -> Version:
    key = (str(store.directory), name)
    with _LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    version = store.load(name)
    with _LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = version
    return version


def _c(params: Mapping[str, Any]) -> float:
    value = params.get("C", 4.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_C:
        raise ModelError(f"extra_params.C must be a number above 0, at most {MAX_C:g}")
    return float(value)


def retrain_every(params: Mapping[str, Any]) -> int:
    value = params.get("retrain_every", RETRAIN_EVERY)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ModelError("extra_params.retrain_every must be a whole number, 0 or more (0: never retrain)")
    return value


class BuiltinClassifier:
    """One built-in connection; cheap to build, a version is read from disk at its first prediction."""

    def __init__(self, project: ProjectView, url: str, settings: Mapping[str, Any]) -> None:
        self.project = project
        self.params = project.params
        directory = settings.get("model_dir")
        if not directory:
            raise ModelError("the built-in classifier needs a model directory")
        self.store = Store(Path(str(directory)))
        self.pinned = str(settings.get("model_version") or "")

    def _strategy(self) -> uncertainty.Strategy:
        try:
            return uncertainty.strategy(self.params.get("uncertainty"))
        except ValueError as exc:
            raise ModelError(f"extra_params.{exc}") from None

    def version(self) -> str | None:
        """The version predictions come from: the pinned one when it is stored, else the newest."""
        if self.pinned and self.store.meta(self.pinned) is not None:
            return self.pinned
        return self.store.latest()

    # The contract.
    def health(self) -> None:
        targets.find(self.project.label_config)
        self._strategy()
        _c(self.params)
        retrain_every(self.params)

    def setup(self) -> str:
        self.health()
        return self.version() or ""

    def predict(self, tasks: Sequence[Mapping[str, Any]], progress: Progress | None = None) -> list[Proposal]:
        if not tasks:
            return []
        name = self.version()
        if name is None:
            raise ModelError("the built-in classifier is not trained yet: train it first")
        how = self._strategy()
        loaded = _loaded(self.store, name)
        model, target = loaded.classifier, loaded.target
        current = targets.find(self.project.label_config)
        if current.control != target.control:
            raise ModelError(
                f"version {name} labels {target.control!r}, the config's first text Choices is now "
                f"{current.control!r}: train again"
            )
        texts = [target.text_of(t.get("data") or {}) for t in tasks]
        probas = model.predict_proba(texts)
        if model.multiple_:
            scores = uncertainty.certainty_multi(probas, how)
        else:
            scores = uncertainty.certainty(probas, how)
        out = [
            Proposal(int(task["id"]), target.result(labels), float(score), name)
            for task, labels, score in zip(tasks, model.decide(probas), scores, strict=True)
        ]
        if progress is not None:
            progress(len(tasks), len(tasks))
        return out

    def train(self, examples: Sequence[Example]) -> str | None:
        """Fit on the examples (one answer per task, `target.answers`) and store the next version."""
        target = targets.find(self.project.label_config)
        self._strategy()
        answers = targets.answers(target, examples)
        texts = [text for _, text in answers.values()]
        labels = [list(labels) for labels, _ in answers.values()]
        model = Classifier(c=_c(self.params)).fit(texts, labels, target.multiple)
        return self.store.save(model, target, {"ground_truth": sum(e.ground_truth for e in examples)})


def make(project: ProjectView, url: str, settings: Mapping[str, Any]) -> Model:
    return BuiltinClassifier(project, url, settings)
