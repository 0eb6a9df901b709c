"""The database and standard a command-line job works with, checked the way `callqa serve` checks them."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.db import make_engine, make_sessionmaker
from service.migrate import pending_revisions
from service.runtime import Runtime, open_runtime


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
def quiet_runtime(settings: Settings) -> Iterator[Runtime]:
    """The runtime of `callqa serve`, with a pipeline that notifies nobody: a replay of history must not page
    anyone about last month."""
    runtime = open_runtime(settings, notify=False)
    try:
        yield runtime
    finally:
        runtime.close()
