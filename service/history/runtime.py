"""The database and standard a command-line job works with, checked the way `callqa serve` checks them."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from service.clock import utc_now
from service.config import Settings
from service.db import make_engine, make_sessionmaker, session_scope
from service.interactions.service import Pipeline
from service.migrate import pending_revisions
from service.standards import service as standards
from service.standards.loader import LoadedStandard, load_standard


@dataclass(frozen=True, slots=True)
class Runtime:
    sessions: sessionmaker[Session]
    standard: LoadedStandard
    pipeline: Pipeline


@contextmanager
def open_database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the configured database, refused (with the fix) when it is not at the latest revision."""
    engine = make_engine(settings.database_url)
    try:
        problem = pending_revisions(engine, settings.database_url)
        if problem:
            raise RuntimeError(problem)
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


@contextmanager
def open_runtime(settings: Settings) -> Iterator[Runtime]:
    """The standard in force (registered, like at start-up), a migrated database, and a pipeline that stores and
    raises alerts but notifies nobody: a replay of history must not page anyone about last month."""
    loaded = load_standard(settings.standards_file)
    with open_database(settings) as sessions:
        with session_scope(sessions) as session:
            standards.register(session, loaded, utc_now())
        pipeline = Pipeline(loaded.standard, timedelta(seconds=settings.max_order_skew_seconds))
        yield Runtime(sessions, loaded, pipeline)
