"""FastAPI dependencies as Annotated aliases. Write endpoints commit themselves: they are the edge.

This toolkit sits below the domains that use it: it names their types only for the type checker, and the
composition root (service/app.py) builds the state from them.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from service.clock import Clock, utc_now
from service.config import Settings

if TYPE_CHECKING:
    from service.alerts.watch import AlertWatcher
    from service.auth.service import KeyCache, KeyUsage
    from service.ingest.sink import EventSink
    from service.ingest.writer import IngestWriter
    from service.interactions.service import Pipeline
    from service.kpis.service import CauseSource


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    sessions: sessionmaker[Session]
    pipeline: "Pipeline"
    keys: "KeyCache"
    key_usage: "KeyUsage"
    cause_sources: "Mapping[str, CauseSource]"  # the Pareto view's, by name (GET /v1/kpis/pareto?causes=)
    alert_watcher: "AlertWatcher"  # fans new alert transitions out to this process's streams
    sink: "EventSink | None" = None  # set in Kafka mode: POST /v1/events produces instead of scoring in-process
    writer: "IngestWriter | None" = None  # in-process mode: POST /v1/events group-commits through it
    clock: Clock = utc_now


async def get_state(request: Request) -> AppState:
    # async: FastAPI runs a plain `def` dependency in a worker thread, a hop per request for one attribute read
    return request.app.state.callqa  # type: ignore[no-any-return]


def get_session(state: Annotated[AppState, Depends(get_state)]) -> Iterator[Session]:
    session = state.sessions()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


StateDep = Annotated[AppState, Depends(get_state)]
SessionDep = Annotated[Session, Depends(get_session)]
