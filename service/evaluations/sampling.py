"""Which interactions of a week go to human review, by the standard's sampling rules. PURE and reproducible:
the same interactions, rules and seed always give the same sample (random picks use a seeded generator per
agent and week, over ids in sorted order; ties are broken by id)."""

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from service.standards.schema import SamplingRules


@dataclass(frozen=True, slots=True)
class Candidate:
    interaction_id: str
    agent_id: str | None
    critical_failure: bool
    customer_sentiment: float | None


@dataclass(frozen=True, slots=True)
class Pick:
    interaction_id: str
    agent_id: str | None
    reasons: tuple[str, ...]  # random_per_agent | critical_failure | lowest_sentiment


def select_sample(candidates: Sequence[Candidate], rules: SamplingRules, seed: str, week: str) -> list[Pick]:
    reasons: dict[str, list[str]] = defaultdict(list)
    by_agent: dict[str, list[str]] = defaultdict(list)
    for c in candidates:
        if c.agent_id is not None:
            by_agent[c.agent_id].append(c.interaction_id)
    for agent in sorted(by_agent):
        ids = sorted(by_agent[agent])
        rng = random.Random(f"{seed}|{week}|{agent}")  # a str seed is hashed the same way in every process
        for iid in rng.sample(ids, min(rules.random_per_agent_per_week, len(ids))):
            reasons[iid].append("random_per_agent")
    if rules.all_critical_failures:
        for c in candidates:
            if c.critical_failure:
                reasons[c.interaction_id].append("critical_failure")
    judged = sorted(
        (c for c in candidates if c.customer_sentiment is not None),
        key=lambda c: (c.customer_sentiment, c.interaction_id),
    )
    for c in judged[: rules.lowest_sentiment]:
        reasons[c.interaction_id].append("lowest_sentiment")
    agents = {c.interaction_id: c.agent_id for c in candidates}
    return [Pick(iid, agents[iid], tuple(reasons[iid])) for iid in sorted(reasons)]
