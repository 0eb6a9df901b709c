"""GET /metrics of the API process: every metric of this process plus gauges read from the database at scrape.

Per-queue service level and abandonment, the open alerts and the review loop's counts are facts of the database,
not of one process: they are computed when Prometheus scrapes (one grouped query each, bounded by the number of
queues in the live window, by severities x states, and by the case statuses, dispute states and action verdicts),
so they are never stale and survive restarts. Several API processes serve the same
values; dashboards and rules aggregate them with max.
"""

import gzip
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from fastapi.concurrency import run_in_threadpool
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder, gzip_accepted
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from service import metrics
from service.alerts.repository import open_alert_counts
from service.clock import Clock
from service.evaluations.repository import dispute_counts
from service.kpis.exposition import overdue_by_queue, overdue_family, standard_families
from service.reviews.repository import action_verdicts, case_counts
from service.scorecards.service import live_queues, live_window_seconds
from service.standards.book import StandardBook

log = logging.getLogger(__name__)

_UNRESOLVED = ("open", "acknowledged")


def review_loop_families(session: Session, now: datetime) -> list[GaugeMetricFamily]:
    """Open and overdue review cases, disputes by state, corrective actions by verdict: one grouped query each."""
    by_status, overdue = case_counts(session, now)
    families = []
    for spec, counts in (
        (metrics.REVIEW_CASES, by_status),
        (metrics.DISPUTES, dispute_counts(session)),
        (metrics.CORRECTIVE_ACTIONS, action_verdicts(session)),
    ):
        family = spec.family()
        for value, n in counts.items():
            family.add_metric([value], n)
        families.append(family)
    late = metrics.REVIEW_CASES_OVERDUE.family()
    late.add_metric([], overdue)
    return [*families, late]


class DatabaseCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session], book: StandardBook, clock: Clock) -> None:
        self.sessions = sessions
        self.book = book  # the version in force now as this process last read it (ingest and jobs keep it fresh)
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        standard = self.book.in_force_at(self.clock())
        window = live_window_seconds(standard)
        target = metrics.SERVICE_LEVEL_TARGET.family()
        target.add_metric([], standard.responsiveness.call.service_level_target)
        length = metrics.LIVE_WINDOW.family()
        length.add_metric([], window)
        up = metrics.DATABASE_UP.family()
        yield from (target, length)
        yield from standard_families(standard)
        now = self.clock()
        try:
            with self.sessions() as session:
                queues = live_queues(session, now - timedelta(seconds=window), now, standard)
                open_alerts = open_alert_counts(session, _UNRESOLVED)
                overdue = overdue_by_queue(session, standard, now, window)
                review_loop = review_loop_families(session, now)
        except SQLAlchemyError as exc:  # /metrics must still answer: the process metrics matter most then
            log.warning("metrics: database gauges unavailable: %s", str(exc).splitlines()[0])
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        by_queue = {
            metrics.QUEUE_SERVICE_LEVEL: "service_level",
            metrics.QUEUE_ABANDONMENT: "abandonment_rate",
            metrics.QUEUE_OFFERED: "offered",
            metrics.QUEUE_LIVE_CALLS: "live_calls",
        }
        for spec, key in by_queue.items():
            family = spec.family()
            for q in queues:
                if q[key] is not None:  # no offered calls: no ratio, rather than a made-up 0 or 1
                    family.add_metric([q["queue_id"]], q[key])
            yield family
        yield overdue_family(overdue)
        yield from review_loop
        alerts = metrics.ALERTS_OPEN.family()
        # Every severity of the standard's vocabulary, 0 included, so "no critical alert open" is a value.
        for severity in sorted({*metrics.SEVERITIES, *(s for s, _ in open_alerts)}):
            for state in _UNRESOLVED:
                alerts.add_metric([severity, state], open_alerts.get((severity, state), 0))
        yield alerts


class _ProcessMetrics(Collector):
    """This process's metrics (the default registry), next to the database gauges in one registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def _render(registry: CollectorRegistry, accept: str, accept_encoding: str) -> tuple[bytes, dict[str, str]]:
    encoder, content_type = choose_encoder(accept)
    body = encoder(registry)
    headers = {"Content-Type": content_type}
    if gzip_accepted(accept_encoding):
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    return body, headers


def metrics_app(sessions: sessionmaker[Session], book: StandardBook, clock: Clock) -> ASGIApp:
    """Like prometheus_client's make_asgi_app, but rendered in a worker thread: the database gauges query the
    database, which must not block the event loop that serves the API."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ProcessMetrics())
    registry.register(DatabaseCollector(sessions, book, clock))
    return _MetricsApp(registry)


class _MetricsApp:
    """An ASGI app object (not a function), so Starlette serves it as it is both at /metrics and /metrics/."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body, headers = await run_in_threadpool(
            _render, self.registry, request.headers.get("accept", ""), request.headers.get("accept-encoding", "")
        )
        await Response(body, headers=headers)(scope, receive, send)
