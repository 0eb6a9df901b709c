"""FastAPI dependencies as Annotated aliases. Write endpoints commit themselves: they are the edge."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from service.auth.service import KeyUsage
from service.clock import Clock, utc_now
from service.config import Settings
from service.events.sink import EventSink
from service.interactions.service import Pipeline


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    sessions: sessionmaker[Session]
    pipeline: Pipeline
    sink: EventSink | None = None  # set in Kafka mode: POST /v1/events produces instead of scoring in-process
    clock: Clock = utc_now
    key_usage: KeyUsage = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_usage", KeyUsage(self.sessions))


def get_state(request: Request) -> AppState:
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
