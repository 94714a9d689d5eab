"""Which estimator aggregates each control tag of a project, and what an annotator's skill is under it.

The project setting `aggregation` names a method per control (`{"sentiment": "mace"}`); a control it does not
name gets the default: Dawid-Skene for Choices (it learns who confuses what, which a vote cannot); for answers
that are not one label from a set, the estimator made for them (`services.consensus_regions`): a token vote for
spans on a Text, IoU clusters for rectangles, ROVER for TextArea, the mean for Rating and Number; majority vote
of identical results for everything else (and for those too, when a categorical method is chosen). The
estimators are `labelwise.quality`'s; this module only picks and reads them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from labelwise import labeling, quality
from labelwise.db.models import Project
from labelwise.quality.aggregation.base import Aggregator, worker_accuracy
from labelwise.services import consensus_regions
from labelwise.services.consensus_regions import REGION_METHODS
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
TITLES.update({key: title for key, (_, title) in REGION_METHODS.items()})
# Every method name a run may be asked for (`method` of POST .../aggregate, `--method`).
NAMES = (*METHODS, *REGION_METHODS)
# Methods whose confidence is a posterior probability; the others answer a (weighted) vote share.
POSTERIOR = frozenset({"ds", "glad", "mace", "onecoin"})


def allowed(control: labeling.ControlTag, schema: labeling.Schema | None = None) -> list[str]:
    """The methods that can aggregate the control: the estimators made for its kind of answer (if any),
    then the categorical ones, which treat equal results as one label."""
    kind = consensus_regions.kind_of(control, schema)
    own = [key for key, (k, _) in REGION_METHODS.items() if k == kind]
    return [*own, *METHODS]


def default_method(control: labeling.ControlTag, schema: labeling.Schema | None = None) -> str:
    if control.tag == "Choices":
        return "ds"
    return allowed(control, schema)[0] if consensus_regions.kind_of(control, schema) else "mv"


def methods(project: Project, schema: labeling.Schema, override: str | None = None) -> dict[str, str]:
    """The method of every control of the config: `override` for all (where it applies), else the setting,
    else the default."""
    chosen = (project.settings or {}).get(FIELD)
    chosen = chosen if isinstance(chosen, dict) else {}
    out: dict[str, str] = {}
    for name, control in schema.controls.items():
        usable = allowed(control, schema)
        picked = next((m for m in (override, chosen.get(name)) if m in usable), None)
        out[name] = picked or default_method(control, schema)
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
        usable = allowed(schema.controls[name], schema)
        if not isinstance(method, str) or method not in usable:
            shown = str(method)[:30]
            raise Invalid(
                f"{FIELD}: unknown method {shown!r} for {name}; use one of {', '.join(usable)}",
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
