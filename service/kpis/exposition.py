"""The KPI figures /metrics serves at scrape time: the standard's targets (dashboards draw them as threshold
lines), the version in force (dashboards annotate its changes) and the overdue-ticket ratio per queue."""

from collections.abc import Iterator
from datetime import datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.orm import Session

from service import metrics
from service.kpis import repository as repo
from service.kpis.buckets import Bucket
from service.kpis.compute import targets_of
from service.kpis.repository import Parts, Scope
from service.standards.schema import Standard


def standard_families(standard: Standard) -> Iterator[GaugeMetricFamily]:
    targets = metrics.STANDARD_TARGET.family()
    for kpi, target in targets_of(standard).items():
        targets.add_metric([kpi], target.value)
    info = metrics.STANDARD_INFO.family()
    info.add_metric([standard.version], 1)
    yield from (targets, info)


def overdue_window_seconds(standard: Standard, otherwise: float) -> float:
    """The standard's overdue-ticket rule window; `otherwise` (the live window) without one."""
    return next((r.window_seconds for r in standard.alerts.aggregates if r.metric == "overdue_ticket_ratio"), otherwise)


def overdue_by_queue(session: Session, standard: Standard, now: datetime, live_window: float) -> dict[str, float]:
    """Tickets overdue for a first reply / tickets judged, per queue, over the overdue window (queues with none
    judged are left out rather than given a made-up ratio)."""
    scope = Scope(now - timedelta(seconds=overdue_window_seconds(standard, live_window)), now)
    rows: repo.Rows = {}
    repo.interaction_parts(session, scope, Bucket.DAY, "UTC", True, rows)  # added up: any zone
    totals: dict[str, Parts] = {}
    for ((queue,), _), parts in rows.items():
        if queue is not None:
            totals.setdefault(queue, Parts()).add(parts)
    return {q: p.tickets_overdue / p.tickets_judged for q, p in sorted(totals.items()) if p.tickets_judged}


def overdue_family(ratios: dict[str, float]) -> GaugeMetricFamily:
    family = metrics.QUEUE_OVERDUE_TICKETS.family()
    for queue, ratio in ratios.items():
        family.add_metric([queue], ratio)
    return family
