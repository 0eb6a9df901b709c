"""create_app(): the FastAPI application on the embedded default or PostgreSQL."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi_offline import FastAPIOffline
from starlette.routing import Route

from service import __version__
from service.activations.endpoints import router as activations_router
from service.alerts.endpoints import router as alerts_router
from service.alerts.watch import AlertWatcher
from service.api import errors
from service.api.body import BodyLimits
from service.api.deps import AppState
from service.api.health import router as health_router
from service.auth.deps import require_admin, require_supervise
from service.auth.endpoints import me_router
from service.auth.endpoints import router as keys_router
from service.auth.service import KeyCache, KeyUsage, Principal
from service.calibration.endpoints import router as calibration_router
from service.clock import Clock, utc_now
from service.config import Settings
from service.console.endpoints import router as console_router
from service.evaluations.endpoints import router as evaluations_router
from service.floor.endpoints import router as floor_router
from service.ingest.endpoints import post_events
from service.ingest.endpoints import router as events_router
from service.ingest.sink import EventSink
from service.ingest.writer import IngestWriter
from service.interactions.endpoints import router as interactions_router
from service.interactions.outcomes_endpoints import router as outcomes_router
from service.jobs import Jobs, start_tasks
from service.kpis.endpoints import router as kpis_router
from service.kpis.service import RULE_FAILURES
from service.prometheus import metrics_app
from service.reviews.causes import ROOT_CAUSES
from service.reviews.endpoints import router as reviews_router
from service.runtime import open_runtime
from service.scorecards.endpoints import router as scorecards_router
from service.sources.endpoints import router as sources_router
from service.standards.endpoints import router as standards_router

log = logging.getLogger("callqa")

# Which scope each part of the API needs; health, metrics, docs and the console page are open.
_ROUTES: tuple[tuple[APIRouter, Callable[..., Awaitable[Principal]] | None], ...] = (
    (events_router, None),  # the busiest route, matched first; it checks its `ingest` key itself (service.ingest)
    (health_router, None),
    (console_router, None),
    (sources_router, None),  # signed senders (Twilio, Zendesk) by their signature, the others by an ingest key
    (interactions_router, None),  # supervise, except the list: an `agent` key lists its own interactions
    (alerts_router, require_supervise),
    (scorecards_router, require_supervise),
    (kpis_router, require_supervise),
    (outcomes_router, require_supervise),
    (floor_router, require_supervise),
    (standards_router, require_supervise),
    (activations_router, require_admin),
    (keys_router, require_admin),
    (me_router, None),  # any key
    # issue 13, the review loop: cases and actions, calibration (supervise); human review and disputes declare
    # their scopes per route (an `agent` key reaches its own interactions' reviews and disputes)
    (reviews_router, require_supervise),
    (calibration_router, require_supervise),
    (evaluations_router, None),
)


def create_app(
    settings: Settings, sink: EventSink | None = None, sweep: bool = True, clock: Clock = utc_now
) -> FastAPI:
    """Fails fast on a bad standards file or an unmigrated database, naming the fix.

    `sweep=False` leaves out the background jobs (deadlines, window rules, deliveries): for tests that drive
    time themselves, and for API processes when a dedicated process runs them. `clock` is the time requests
    and jobs are judged at (tests pass their own).
    """
    runtime = open_runtime(settings, clock=clock)
    sessions, pipeline = runtime.sessions, runtime.pipeline
    state = AppState(
        settings=settings,
        sessions=sessions,
        pipeline=pipeline,
        keys=KeyCache(sessions, settings.key_cache_seconds),
        key_usage=KeyUsage(sessions),
        cause_sources={"rules": RULE_FAILURES, "root_causes": ROOT_CAUSES},
        alert_watcher=AlertWatcher(
            sessions, settings.database_url, settings.alert_watch_poll_seconds, settings.alert_watch_fallback_seconds
        ),
        sink=sink,
        writer=None
        if sink is not None
        else IngestWriter(sessions, pipeline, clock, settings.ingest_group_events, settings.ingest_group_wait_seconds),
        clock=clock,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        jobs = Jobs.from_settings(settings, sessions, pipeline, clock)
        tasks: list[asyncio.Task[None]] = []
        if sweep and sink is None:
            tasks = start_tasks(jobs, settings)
        log.info("callqa %s scoring by standard %s", __version__, pipeline.book.in_force_at(clock()).version)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            jobs.close()
            await state.alert_watcher.close()
            if sink is not None:
                sink.close()
            runtime.close()

    # FastAPIOffline serves Swagger UI and ReDoc from packaged assets: /docs works on an offline centre's network.
    app = FastAPIOffline(
        title="callqa",
        version=__version__,
        summary="Scores every call and ticket against a versioned service standard, with evidence, in real time.",
        lifespan=lifespan,
    )
    app.state.callqa = state
    for router, scope in _ROUTES:
        if scope is None:
            app.include_router(router, responses=errors.COMMON)
        else:
            app.include_router(router, dependencies=[Depends(scope)], responses=errors.KEYED)
    # The busiest route served by its endpoint as a plain Starlette route, matched first: it declares nothing for
    # FastAPI to solve per request. FastAPI's route of it stays for the OpenAPI document.
    app.router.routes.insert(0, Route("/v1/events", post_events, methods=["POST"], include_in_schema=False))
    metrics = metrics_app(sessions, pipeline.book, clock)
    app.router.routes.append(Route("/metrics", metrics, include_in_schema=False))  # `curl /metrics`, no redirect
    app.mount("/metrics", metrics)
    app.add_middleware(BodyLimits, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout_seconds)

    errors.install(app)
    return app
