"""What every entry point opens the same way: `callqa serve`, `callqa consume`, replays and evaluations.

The standard is loaded (a bad file fails here, naming line and reason), the database must be at the latest
revision (else: run `callqa migrate`), the standard's version is recorded (and activated from now if it never
was), and the pipeline is built on the versions the database says are in force.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from service import allocator, telemetry
from service.alerts.notify import Destinations
from service.clock import Clock, utc_now
from service.config import Settings
from service.db import make_engine, make_sessionmaker, session_scope
from service.interactions.live import LiveStates
from service.interactions.service import Pipeline
from service.migrate import pending_revisions
from service.standards import service as standards
from service.standards.book import StandardBook
from service.standards.loader import LoadedStandard, load_standard
from service.text.memo import set_text_cache_bytes


@dataclass(frozen=True, slots=True)
class Runtime:
    engine: Engine
    sessions: sessionmaker[Session]
    standard: LoadedStandard
    pipeline: Pipeline
    clock: Clock
    trimmer: allocator.Trimmer

    def close(self) -> None:
        self.trimmer.close()
        self.engine.dispose()


def open_runtime(settings: Settings, *, notify: bool = True, clock: Clock = utc_now, alerts_topic: str = "") -> Runtime:
    """`notify=False` builds a pipeline that stores and raises alerts but delivers them nowhere: a replay of
    last month must not page anyone. `clock` is the time every judgement of this process is made at.
    `alerts_topic` (`callqa consume`) queues new alerts for that Kafka topic."""
    set_text_cache_bytes(settings.text_cache_mb * 2**20)
    allocator.limit_arenas(settings.malloc_arenas)  # before the process's threads first allocate
    loaded = load_standard(settings.standards_file)
    engine = make_engine(settings.database_url)
    problem = pending_revisions(engine, settings.database_url)
    if problem:
        engine.dispose()
        raise RuntimeError(problem)
    sessions = make_sessionmaker(engine)
    book = StandardBook(loaded.standard)
    with session_scope(sessions) as session:
        standards.register_at_start(session, loaded, clock())
        standards.refresh(session, book)
    destinations = Destinations()
    if notify:
        destinations = Destinations(tuple(settings.webhook_urls), settings.alertmanager_url, alerts_topic)
    pipeline = Pipeline(
        book,
        timedelta(seconds=settings.max_order_skew_seconds),
        destinations,
        telemetry.SubjectLabels.from_settings(settings),
        LiveStates(settings.live_state_interactions, settings.live_state_events),
    )
    return Runtime(engine, sessions, loaded, pipeline, clock, allocator.Trimmer(settings.malloc_trim_seconds))
