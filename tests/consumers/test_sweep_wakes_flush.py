"""A deadline sweep that raised alerts wakes `callqa consume`'s flush to the alerts topic at once, after its commit
(Jobs.on_raised), instead of leaving them to the flush's next tick; a sweep that raised nothing does not wake it.
Real databases, a clock the test moves past the deadline."""

from datetime import timedelta

from sqlalchemy import func, select

from service.alerts.models import Alert
from service.config import Settings
from service.db import make_engine, make_sessionmaker, session_scope
from service.interactions.service import Pipeline
from service.jobs import Jobs
from service.standards.book import StandardBook
from tests.factories import at, call, standard


def test_a_sweep_that_raised_alerts_wakes_the_flush_once_they_are_committed(database_url: str) -> None:
    engine = make_engine(database_url)
    db = make_sessionmaker(engine)
    pipeline = Pipeline(StandardBook(standard()), timedelta(hours=1))
    with session_scope(db) as session:
        pipeline.record_events(session, call("waiting"), "test", at(1))  # offered, never answered
    now = [at(1)]
    stored_when_woken: list[int] = []

    def woken() -> None:
        with db() as session:  # a session of its own: it sees only what the sweep committed
            stored_when_woken.append(session.scalar(select(func.count()).select_from(Alert)) or 0)

    jobs = Jobs.from_settings(Settings(database_url=database_url), db, pipeline, lambda: now[0], on_raised=woken)
    try:
        jobs.deadlines()
        assert stored_when_woken == [], "nothing due yet, nothing raised: the flush is not woken"
        now[0] = at(3600)
        jobs.deadlines()
        assert len(stored_when_woken) == 1 and stored_when_woken[0] > 0, "woken once, after the commit"
        jobs.deadlines()
        assert len(stored_when_woken) == 1, "the same deadlines raise nothing new"
    finally:
        jobs.close()
        engine.dispose()
