"""Agreement and aggregation of labels from many annotators: pure numpy and scipy, usable in a notebook.

Estimators follow crowd-kit's conventions (hyper-parameters in the constructor, `fit(data)` returns self,
results in `labels_`, `probas_`, `skills_`), take crowd-kit's long-format votes (`task`, `worker`, `label`)
as a pandas or Polars frame or as arrays, and answer in the kind of frame they were given. Nothing here imports
the web or the database layer.
"""

from labelwise.quality import regions
from labelwise.quality.aggregation.boxes import BoxVote
from labelwise.quality.aggregation.bradley_terry import BradleyTerry
from labelwise.quality.aggregation.dawid_skene import DawidSkene
from labelwise.quality.aggregation.glad import GLAD
from labelwise.quality.aggregation.mace import MACE
from labelwise.quality.aggregation.majority_vote import MajorityVote
from labelwise.quality.aggregation.one_coin_dawid_skene import OneCoinDawidSkene
from labelwise.quality.aggregation.ratings import RatingAggregator
from labelwise.quality.aggregation.spans import SpanVote
from labelwise.quality.aggregation.texts import ROVER
from labelwise.quality.aggregation.wawa import Wawa
from labelwise.quality.aggregation.zero_based_skill import ZeroBasedSkill
from labelwise.quality.agreement import (
    cohen_kappa_matrix,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    task_agreement,
)
from labelwise.quality.extract import votes_from_tasks
from labelwise.quality.votes import Votes

__all__ = [
    "GLAD",
    "MACE",
    "ROVER",
    "BoxVote",
    "BradleyTerry",
    "DawidSkene",
    "MajorityVote",
    "OneCoinDawidSkene",
    "RatingAggregator",
    "SpanVote",
    "Votes",
    "Wawa",
    "ZeroBasedSkill",
    "cohen_kappa_matrix",
    "fleiss_kappa",
    "krippendorff_alpha",
    "percent_agreement",
    "regions",
    "task_agreement",
    "votes_from_tasks",
]
