"""Model versions of one built-in connection on disk, without pickle.

A version `builtin-<n>` is two files in the connection's directory (`<data dir>/models/<connection id>/`):
`builtin-<n>.npz` (coefficients, intercepts, idf of both vectorizers; read with `allow_pickle=False`) and
`builtin-<n>.json` (classes, terms, temperature, the control it labels, and the training figures:
cross-validated accuracy, examples, per label). The JSON is written last and both through a temporary
file and a rename, so a version is listed only once it is whole and a crash mid-write leaves no half
version. Why the data directory and not a table: a version is megabytes of arrays read at once and never
queried; the figures, which are queried, are small and read from the JSON files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from labelwise.ml.builtin.classifier import Classifier, Weights
from labelwise.ml.builtin.features import Features
from labelwise.ml.builtin.target import Target
from labelwise.ml.contract import ModelError

PREFIX = "builtin-"
_NAME = re.compile(r"^builtin-(\d{1,9})\.json$")


@dataclass(frozen=True)
class Version:
    name: str
    classifier: Classifier
    target: Target
    meta: dict[str, Any]


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class Store:
    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def numbers(self) -> list[int]:
        if not self.directory.is_dir():
            return []
        found = (_NAME.match(p.name) for p in self.directory.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def names(self) -> list[str]:
        return [f"{PREFIX}{n}" for n in self.numbers()]

    def latest(self) -> str | None:
        numbers = self.numbers()
        return f"{PREFIX}{numbers[-1]}" if numbers else None

    def save(self, model: Classifier, target: Target, extra: dict[str, Any] | None = None) -> str:
        """Write `model` as the next version; its name."""
        if model.features_ is None or model.weights_ is None:
            raise ModelError("the classifier is not trained")
        self.directory.mkdir(parents=True, exist_ok=True)
        numbers = self.numbers()
        name = f"{PREFIX}{(numbers[-1] if numbers else 0) + 1}"
        idf = model.features_.arrays()
        temporary = self.directory / f"{name}.npz.tmp"
        with temporary.open("wb") as out:
            np.savez_compressed(
                out,
                coef=model.weights_.coef,
                intercept=model.weights_.intercept,
                idf_word=idf["idf_word"],
                idf_char=idf["idf_char"],
            )
        os.replace(temporary, self.directory / f"{name}.npz")
        meta = {
            "version": name,
            "created_at": datetime.now(UTC).isoformat(),
            "classes": model.classes_,
            "multiple": model.multiple_,
            "temperature": model.temperature_,
            "c": model.c,
            "target": {
                "control": target.control,
                "object": target.object,
                "value_key": target.value_key,
                "hypertext": target.hypertext,
                "options": list(target.options),
            },
            "figures": model.report_,
            **(extra or {}),
        }
        terms = model.features_.terms()
        _write(self.directory / f"{name}.terms.json", orjson.dumps(terms))
        _write(self.directory / f"{name}.json", orjson.dumps(meta))
        return name

    def meta(self, name: str) -> dict[str, Any] | None:
        """A version's figures and settings (no arrays), None when there is no such version."""
        if not name.startswith(PREFIX) or not _NAME.match(f"{name}.json"):
            return None
        path = self.directory / f"{name}.json"
        if not path.is_file():
            return None
        data = orjson.loads(path.read_bytes())
        return data if isinstance(data, dict) else None

    def load(self, name: str) -> Version:
        meta = self.meta(name)
        if meta is None:
            raise ModelError(f"model version {name!r} is not stored (train the model first)")
        try:
            with np.load(self.directory / f"{name}.npz", allow_pickle=False) as arrays:
                loaded = {key: np.asarray(arrays[key], dtype=np.float64) for key in arrays.files}
            terms = orjson.loads((self.directory / f"{name}.terms.json").read_bytes())
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"model version {name!r} cannot be read: {type(exc).__name__}") from None
        model = Classifier(c=float(meta.get("c", 4.0)))
        model.features_ = Features.restore(terms, loaded)
        model.weights_ = Weights(loaded["coef"], loaded["intercept"])
        model.classes_ = [str(c) for c in meta["classes"]]
        model.multiple_ = bool(meta["multiple"])
        model.temperature_ = float(meta["temperature"])
        model.report_ = dict(meta.get("figures") or {})
        t = meta["target"]
        target = Target(
            str(t["control"]),
            str(t["object"]),
            str(t["value_key"]),
            bool(t["hypertext"]),
            model.multiple_,
            tuple(str(o) for o in t["options"]),
        )
        return Version(name, model, target, meta)
