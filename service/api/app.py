"""create_app(): the FastAPI application on the embedded default or PostgreSQL."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app
from starlette.requests import Request

from service import __version__
from service.alerts.endpoints import router as alerts_router
from service.api.deps import AppState
from service.api.health import router as health_router
from service.clock import utc_now
from service.config import Settings
from service.db import make_engine, make_sessionmaker, session_scope
from service.events.endpoints import router as events_router
from service.events.sink import EventSink
from service.interactions.endpoints import router as interactions_router
from service.interactions.service import Pipeline
from service.interactions.sweeper import run_sweeper
from service.migrate import pending_revisions
from service.scorecards.endpoints import router as scorecards_router
from service.standards import service as standards
from service.standards.endpoints import router as standards_router
from service.standards.loader import load_standard

log = logging.getLogger("callqa")


def create_app(settings: Settings, sink: EventSink | None = None, sweep: bool = True) -> FastAPI:
    """Fails fast on a bad standards file or an unmigrated database, naming the fix."""
    loaded = load_standard(settings.standards_file)
    engine = make_engine(settings.database_url)
    problem = pending_revisions(engine, settings.database_url)
    if problem:
        raise RuntimeError(problem)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        standards.register(session, loaded, utc_now())
    pipeline = Pipeline(loaded.standard, timedelta(seconds=settings.max_order_skew_seconds))
    state = AppState(settings=settings, sessions=sessions, standard=loaded, pipeline=pipeline, sink=sink)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = None
        if sweep and sink is None:
            task = asyncio.create_task(run_sweeper(sessions, pipeline, settings.sweep_interval_seconds))
        log.info("callqa %s scoring by standard %s", __version__, loaded.standard.version)
        try:
            yield
        finally:
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if sink is not None:
                sink.close()
            engine.dispose()

    app = FastAPI(
        title="callqa",
        version=__version__,
        summary="Scores every call and ticket against a versioned service standard, with evidence, in real time.",
        lifespan=lifespan,
    )
    app.state.callqa = state
    for router in (
        health_router,
        events_router,
        interactions_router,
        alerts_router,
        scorecards_router,
        standards_router,
    ):
        app.include_router(router)
    app.mount("/metrics", make_asgi_app())

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"] if p not in ("query", "path", "body")),
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return JSONResponse({"detail": f"invalid request: {detail}", "errors": errors}, status_code=422)

    return app
