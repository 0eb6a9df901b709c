"""Inter-rater agreement, by the textbook formulas. PURE: ratings in, numbers out.

- Percent agreement: the share of agreeing rater pairs per subject, averaged over subjects (Fleiss' P-bar); with
  two raters it is simply the share of subjects both rated alike.
- Cohen's kappa (Cohen 1960), two raters: (p_o - p_e) / (1 - p_e), p_e from each rater's own marginals.
- Fleiss' kappa (Fleiss 1971), any fixed number n >= 2 of raters per subject: (P-bar - P_e) / (1 - P_e),
  P_e = sum_j p_j^2 from the pooled category shares.

Kappa is undefined (None) when chance agreement is already 1 (every rating in one category): there is nothing
left for raters to agree on beyond chance.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Agreement:
    subjects: int
    raters: int
    percent: float | None  # observed agreement, 0..1
    chance: float | None  # agreement expected by chance, 0..1
    kappa: float | None
    method: str  # cohen | fleiss


def _kappa(observed: float, chance: float) -> float | None:
    return None if chance >= 1 else (observed - chance) / (1 - chance)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> Agreement:
    """Two raters' ratings of the same subjects, in the same order."""
    if len(a) != len(b):
        raise ValueError(f"two raters rate the same subjects: {len(a)} and {len(b)} ratings")
    n = len(a)
    if n == 0:
        return Agreement(0, 2, None, None, None, "cohen")
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    chance = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return Agreement(n, 2, observed, chance, _kappa(observed, chance), "cohen")


def fleiss_kappa(counts: Sequence[Mapping[str, int]]) -> Agreement:
    """One mapping per subject: category -> how many raters chose it; every subject has the same rater count."""
    if not counts:
        return Agreement(0, 0, None, None, None, "fleiss")
    raters = {sum(c.values()) for c in counts}
    if len(raters) != 1 or min(raters) < 2:
        raise ValueError(f"Fleiss' kappa needs the same number (>= 2) of raters on every subject, got {sorted(raters)}")
    n, subjects = raters.pop(), len(counts)
    per_subject = [(sum(v * v for v in c.values()) - n) / (n * (n - 1)) for c in counts]
    observed = sum(per_subject) / subjects
    totals: Counter[str] = Counter()
    for c in counts:
        totals.update(c)
    chance = sum((t / (subjects * n)) ** 2 for t in totals.values())
    return Agreement(subjects, n, observed, chance, _kappa(observed, chance), "fleiss")


def agreement(ratings: Sequence[Sequence[str]]) -> Agreement:
    """Ratings per subject, one per rater in a fixed rater order: Cohen's kappa for two raters, Fleiss' for more."""
    if ratings and len(ratings[0]) == 2:
        return cohen_kappa([r[0] for r in ratings], [r[1] for r in ratings])
    return fleiss_kappa([Counter(r) for r in ratings])
