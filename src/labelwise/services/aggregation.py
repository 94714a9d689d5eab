"""Which estimator aggregates each control tag of a project, and what an annotator's skill is under it.

The project setting `aggregation` names a method per control (`{"sentiment": "mace"}`); a control it does not
name gets the default: Dawid-Skene for Choices (it learns who confuses what, which a vote cannot), majority vote
for everything else. The estimators are `labelwise.quality`'s; this module only picks and reads them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise import labeling, quality
from labelwise.db.models import Project
from labelwise.quality.aggregation.base import Aggregator, worker_accuracy
from labelwise.services.errors import Invalid

FIELD = "aggregation"
METHODS: dict[str, type[Aggregator]] = {
    "ds": quality.DawidSkene,
    "mv": quality.MajorityVote,
    "wawa": quality.Wawa,
    "zbs": quality.ZeroBasedSkill,
    "glad": quality.GLAD,
    "mace": quality.MACE,
    "onecoin": quality.OneCoinDawidSkene,
}
TITLES = {
    "ds": "Dawid-Skene",
    "mv": "Majority vote",
    "wawa": "Wawa (agreement-weighted vote)",
    "zbs": "Zero-based skill",
    "glad": "GLAD (ability and difficulty)",
    "mace": "MACE (spammer-aware)",
    "onecoin": "One-coin Dawid-Skene",
}
# Methods whose confidence is a posterior probability; the others answer a (weighted) vote share.
POSTERIOR = frozenset({"ds", "glad", "mace", "onecoin"})


def default_method(control: labeling.ControlTag) -> str:
    return "ds" if control.tag == "Choices" else "mv"


def methods(project: Project, schema: labeling.Schema, override: str | None = None) -> dict[str, str]:
    """The method of every control of the config: `override` for all, else the setting, else the default."""
    chosen = (project.settings or {}).get(FIELD)
    chosen = chosen if isinstance(chosen, dict) else {}
    out: dict[str, str] = {}
    for name, control in schema.controls.items():
        picked = override or chosen.get(name)
        out[name] = picked if picked in METHODS else default_method(control)
    return out


def clean(fields: dict[str, Any], label_config: str | None) -> dict[str, Any]:
    """The `aggregation` entry of a create/PATCH body, checked against the (new) config: a 400 naming the
    unknown control or method. Controls set to their default are kept, so the choice survives a change of
    default."""
    if FIELD not in fields:
        return {}
    value = fields[FIELD]
    try:
        schema = labeling.parse_config(label_config or "<View></View>")
    except labeling.ConfigError as exc:
        raise Invalid(f"{FIELD}: the project's config does not parse: {exc}", {FIELD: [str(exc)]}) from exc
    if not isinstance(value, dict):
        raise Invalid(f"{FIELD}: must be an object of control name to method", {FIELD: ["must be an object"]})
    for name, method in value.items():
        if name not in schema.controls:
            shown = str(name)[:60]
            raise Invalid(
                f"{FIELD}: the config has no control named {shown!r}", {FIELD: [f"unknown control {shown!r}"]}
            )
        if not isinstance(method, str) or method not in METHODS:
            shown = str(method)[:30]
            raise Invalid(
                f"{FIELD}: unknown method {shown!r} for {name}; use one of {', '.join(METHODS)}",
                {FIELD: [f"{name}: unknown method {shown!r}"]},
            )
    return {FIELD: dict(value)}


def estimator(method: str) -> Aggregator:
    return METHODS[method]()


def skills(method: str, fitted: Any) -> npt.NDArray[np.float64]:
    """One skill per worker of the fit (in `fitted.votes_.workers` order), from 0 to 1.

    Dawid-Skene: the diagonal of the annotator's confusion matrix weighted by the class priors (the chance
    they answer right on a random task). GLAD's ability is unbounded, so there the skill is the share of
    the annotator's votes that agree with the consensus; the others report their own `skills_`.
    """
    votes = fitted.votes_
    if method == "ds":
        diagonal = np.diagonal(fitted.error_values_, axis1=1, axis2=2)
        result: npt.NDArray[np.float64] = diagonal @ fitted.priors_values_
        return result
    if method == "glad":
        return worker_accuracy(votes, fitted.label_codes_)
    return np.asarray(fitted.skills_, dtype=np.float64).reshape(votes.n_workers)
