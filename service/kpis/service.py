"""The KPI tree and the Pareto view, assembled from the repository's additive parts. Services never commit."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy.orm import Session

from service.kpis import repository as repo
from service.kpis.buckets import Bucket, bucket_starts, key_of
from service.kpis.compute import Target, kpis_of, pareto_items, targets_of
from service.kpis.repository import OutcomeRules, Parts, Scope
from service.standards.schema import Standard

CauseCounts = Callable[[Session, Scope, Bucket | None, str], list[tuple[str, str, int]]]
"""(session, scope, bucket or None for the whole range, the buckets' IANA zone) -> (bucket key or '', cause, count)."""


def _no_labels(_standard: Standard) -> dict[str, dict[str, str]]:
    return {}


@dataclass(frozen=True, slots=True)
class CauseSource:
    """Where failure causes come from: their counts, and their names per language where a taxonomy gives them.

    `rules` (the failed items of scores) is this module's; a module above it adds its own (the review cases' root
    causes), and the composition root (service/app.py) hands the Pareto view all of them by name.
    """

    counts: CauseCounts
    labels: Callable[[Standard], dict[str, dict[str, str]]] = _no_labels


RULE_FAILURES = CauseSource(repo.rule_failures)


class UnknownCauseSource(ValueError):
    pass


@dataclass(slots=True)
class _Node:
    level: str
    id: str | None
    series: dict[str, Parts] = field(default_factory=dict)
    children: dict[str | None, "_Node"] = field(default_factory=dict)
    judged_by: dict[str, int] = field(default_factory=dict)

    def add(self, bucket: str, parts: Parts) -> None:
        self.series.setdefault(bucket, Parts()).add(parts)

    def judged(self, versions: dict[str, int]) -> None:
        for version, n in versions.items():
            self.judged_by[version] = self.judged_by.get(version, 0) + n

    def child(self, level: str, id_: str | None) -> "_Node":
        return self.children.setdefault(id_, _Node(level, id_))


@dataclass(frozen=True, slots=True)
class _Frame:
    """The buckets of a request and the targets they are judged against."""

    starts: list[datetime]
    targets: dict[str, Target]

    def render(self, node: _Node) -> dict[str, Any]:
        total = Parts()
        for parts in node.series.values():
            total.add(parts)
        series = [
            {
                "bucket": key_of(start),
                "from": start.isoformat(),
                "to": end.isoformat(),
                "kpis": kpis_of(node.series.get(key_of(start), Parts()), self.targets),
            }
            for start, end in pairwise(self.starts)
        ]
        out: dict[str, Any] = {
            "level": node.level,
            "id": node.id,
            "total": kpis_of(total, self.targets),
            "judged_by": dict(sorted(node.judged_by.items())),
            "series": series,
        }
        if node.children:
            out["children"] = self.render_all(node.children.values())
        return out

    def render_all(self, nodes: Iterable[_Node]) -> list[dict[str, Any]]:
        """By id, the node without one (no team, agent or queue given) last."""
        return [self.render(n) for n in sorted(nodes, key=lambda n: (n.id is None, n.id or ""))]


def outcome_rules(standard: Standard, now: datetime) -> OutcomeRules:
    o = standard.outcomes
    return OutcomeRules(
        o.csat_satisfied_at_least, o.nps_promoter_at_least, o.nps_detractor_at_most, o.fcr_window_seconds, now
    )


def kpi_tree(
    session: Session, standard: Standard, start: datetime, end: datetime, bucket: Bucket, time_zone: str, now: datetime
) -> dict[str, Any]:
    """Centre -> team -> agent, and the queues beside it, each a series of buckets with every KPI and its target.

    Interactions, contacts and survey answers without a team (or agent, or queue) form a node whose id is null,
    so the children always add up to their parent.
    """
    starts = bucket_starts(start, end, bucket, time_zone)
    scope = Scope(starts[0], starts[-1])
    rules = outcome_rules(standard, now)
    centre = _Node("centre", None)
    for ((team, agent), key), parts in repo.parts_by(session, scope, bucket, time_zone, False, rules).items():
        centre.add(key, parts)
        team_node = centre.child("team", team)
        team_node.add(key, parts)
        team_node.child("agent", agent).add(key, parts)
    for (team, agent), versions in repo.versions_by(session, scope, False).items():
        for node in (centre, centre.child("team", team), centre.child("team", team).child("agent", agent)):
            node.judged(versions)
    queues: dict[str | None, _Node] = {}
    for ((queue,), key), parts in repo.parts_by(session, scope, bucket, time_zone, True, rules).items():
        queues.setdefault(queue, _Node("queue", queue)).add(key, parts)
    for (queue,), versions in repo.versions_by(session, scope, True).items():
        queues.setdefault(queue, _Node("queue", queue)).judged(versions)
    frame = _Frame(starts, targets_of(standard))
    return {
        "from": starts[0].isoformat(),
        "to": starts[-1].isoformat(),
        "bucket": bucket.value,
        "time_zone": time_zone,
        "standard_version": standard.version,
        "centre": frame.render(centre),
        "queues": frame.render_all(queues.values()),
    }


def pareto(
    session: Session,
    standard: Standard,
    sources: Mapping[str, CauseSource],
    causes: str,
    scope: Scope,
    bucket: Bucket | None,
    time_zone: str,
) -> dict[str, Any]:
    """Failure causes sorted by count with cumulative share: one period for the range, or one per bucket."""
    source = sources.get(causes)
    if source is None:
        raise UnknownCauseSource(f"unknown cause source {causes!r}; known: {', '.join(sorted(sources))}")
    if bucket is None:
        periods = [(scope.start, scope.end, "")]
    else:
        starts = bucket_starts(scope.start, scope.end, bucket, time_zone)
        scope = Scope(starts[0], starts[-1], scope.team_id, scope.queue_id)
        periods = [(a, b, key_of(a)) for a, b in pairwise(starts)]
    counts: dict[str, dict[str, int]] = {}
    for key, cause, n in source.counts(session, scope, bucket, time_zone):
        counts.setdefault(key, {})[cause] = counts.get(key, {}).get(cause, 0) + n
    labels = source.labels(standard)
    return {
        "causes": causes,
        "time_zone": time_zone,
        "team_id": scope.team_id,
        "queue_id": scope.queue_id,
        "periods": [
            {
                "from": a.isoformat(),
                "to": b.isoformat(),
                **({"bucket": key} if key else {}),
                "total": sum(counts.get(key, {}).values()),
                "items": [{**i, "labels": labels.get(i["cause"])} for i in pareto_items(counts.get(key, {}))],
            }
            for a, b, key in periods
        ],
    }


def subject_outcomes(session: Session, standard: Standard, scope: Scope, now: datetime) -> dict[str, dict[str, Any]]:
    """CSAT, NPS and first-contact resolution of one agent, team or queue over [start, end): the scorecard's."""
    total = Parts()
    for parts in repo.outcome_parts(session, scope, outcome_rules(standard, now)).values():
        total.add(parts)
    kpis = kpis_of(total, targets_of(standard))

    def figure(name: str, **parts: float) -> dict[str, Any]:
        return {"value": kpis[name]["value"], **parts, "target": kpis[name]["target"], "met": kpis[name]["met"]}

    return {
        "csat": figure("csat", answers=total.csat_answers, satisfied=total.csat_satisfied),
        "nps": figure("nps", answers=total.nps_answers, promoters=total.nps_promoters, detractors=total.nps_detractors),
        "first_contact_resolution": figure(
            "first_contact_resolution",
            judged=total.contacts_judged,
            repeated=total.contacts_repeated,
            window_seconds=standard.outcomes.fcr_window_seconds,
        ),
    }
