"""GET /metrics of the API process: every metric of this process plus gauges read from the database at scrape.

Per-queue service level and abandonment and the open alerts are facts of the database, not of one process: they
are computed when Prometheus scrapes (one grouped query each, bounded by the number of queues in the live window
and by severities x states), so they are never stale and survive restarts. Several API processes serve the same
values; dashboards and rules aggregate them with max.
"""

import gzip
import logging
from collections.abc import Iterable, Iterator
from datetime import timedelta

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
from service.kpis.exposition import overdue_by_queue, overdue_family, standard_families
from service.scorecards.service import live_queues, live_window_seconds
from service.standards.schema import Standard

log = logging.getLogger(__name__)

_UNRESOLVED = ("open", "acknowledged")


def _family(spec: metrics.ScrapeGauge) -> GaugeMetricFamily:
    return GaugeMetricFamily(spec.name, spec.documentation, labels=list(spec.labels))


class DatabaseCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session], standard: Standard, clock: Clock) -> None:
        self.sessions = sessions
        self.standard = standard
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        window = live_window_seconds(self.standard)
        target = _family(metrics.SERVICE_LEVEL_TARGET)
        target.add_metric([], self.standard.responsiveness.call.service_level_target)
        length = _family(metrics.LIVE_WINDOW)
        length.add_metric([], window)
        up = _family(metrics.DATABASE_UP)
        yield from (target, length)
        yield from standard_families(self.standard)
        now = self.clock()
        try:
            with self.sessions() as session:
                queues = live_queues(session, now - timedelta(seconds=window), now, self.standard)
                open_alerts = open_alert_counts(session, _UNRESOLVED)
                overdue = overdue_by_queue(session, self.standard, now, window)
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
            family = _family(spec)
            for q in queues:
                if q[key] is not None:  # no offered calls: no ratio, rather than a made-up 0 or 1
                    family.add_metric([q["queue_id"]], q[key])
            yield family
        yield overdue_family(overdue)
        alerts = _family(metrics.ALERTS_OPEN)
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


def metrics_app(sessions: sessionmaker[Session], standard: Standard, clock: Clock) -> ASGIApp:
    """Like prometheus_client's make_asgi_app, but rendered in a worker thread: the database gauges query the
    database, which must not block the event loop that serves the API."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ProcessMetrics())
    registry.register(DatabaseCollector(sessions, standard, clock))
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
