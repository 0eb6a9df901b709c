"""`callqa retention` on a real database: the events of interactions that ended before the cutoff go (archived
first when asked), in chunks; live interactions keep theirs; scores stay; a second run deletes nothing."""

import io
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from service.db import session_scope
from service.history.retention import purge_events
from service.interactions.models import EventRecord, Interaction
from service.interactions.service import Pipeline
from service.standards.book import StandardBook
from tests.factories import at, call, standard

DAY = 86400


def _events_of(db: Any, interaction_id: str) -> int:
    with session_scope(db) as session:
        stmt = select(func.count()).select_from(EventRecord).where(EventRecord.interaction_id == interaction_id)
        return session.scalar(stmt) or 0


def test_old_finished_interactions_lose_their_events_not_their_scores(db: Any) -> None:
    pipeline = Pipeline(StandardBook(standard()), timedelta(hours=1))
    old = call("old", answered=10, utterances=[("agent", "hello", 12), ("customer", "hi", 15)], ended=60)
    live = call("live", answered=10, utterances=[("agent", "hello", 12)])
    recent = [replace(e, occurred_at=e.occurred_at + timedelta(days=40)) for e in call("new")]
    with session_scope(db) as session:
        pipeline.record_events(session, old + live, "test", at(100))
        pipeline.record_events(session, recent, "test", at(40 * DAY + 100))
    archive = io.BytesIO()
    done = purge_events(db, at(30 * DAY), chunk=2, archive=archive)
    assert (done.events, done.chunks) == (len(old), 3)
    assert _events_of(db, "old") == 0
    assert _events_of(db, "live") == len(live) and _events_of(db, "new") == len(recent)
    archived = [json.loads(line) for line in archive.getvalue().splitlines()]
    assert sorted(a["event_id"] for a in archived) == sorted(e.event_id for e in old)
    with session_scope(db) as session:
        row = session.get(Interaction, "old")
        assert row is not None and row.final and row.score["items"]  # the score and its evidence stay
    assert purge_events(db, at(30 * DAY), chunk=2).events == 0
