"""How sure the votes on one task are: the smoothed vote share of the top answer, per control.

Used by dynamic overlap (ask for another annotation only while this is below a threshold). The share is the
posterior mean of the top answer under a weak symmetric Dirichlet prior (`prior` pseudo-votes per option),
(top + prior) / (votes + options x prior): two agreeing votes of two on a yes/no question give 0.95, one vote
alone 0.92, a 2-1 split 0.66, so agreement must be seen, not assumed, and a split never looks certain.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping

PRIOR = 0.1


def top_share(labels: Iterable[Hashable], n_options: int | None = None, prior: float = PRIOR) -> float | None:
    """The smoothed share of the most frequent label; None without votes. `n_options`: how many answers
    the control allows (default: the distinct answers seen plus one, for the ones nobody gave)."""
    counts = Counter(labels)
    if not counts:
        return None
    votes, top = sum(counts.values()), max(counts.values())
    options = max(n_options or 0, len(counts) + (0 if n_options else 1))
    return (top + prior) / (votes + options * prior)


def task_confidence(
    votes: Mapping[str, Iterable[Hashable]], n_options: Mapping[str, int | None], prior: float = PRIOR
) -> float | None:
    """The minimum over controls of `top_share` (the least certain control decides); None when no control
    has votes."""
    shares = [top_share(labels, n_options.get(name), prior) for name, labels in votes.items()]
    known = [s for s in shares if s is not None]
    return min(known) if known else None
