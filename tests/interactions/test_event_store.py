"""How record_events stores events: the insert itself tells a new event from one stored before (ON CONFLICT DO
NOTHING RETURNING, under the interaction's row lock), an event the stored ones show inconsistent is rejected and
not kept, and concurrent writers take the interactions' rows in id order (PostgreSQL)."""

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from service.db import session_scope
from service.events.model import Event, EventType
from service.interactions import repository as repo
from service.interactions.models import EventRecord, Interaction
from service.interactions.service import Pipeline, Recorded
from service.scoring.quality import score_interaction
from service.standards.book import StandardBook
from tests.factories import at, call, event, standard

UTTERANCES = [("agent", "Thank you for calling, my name is Ann, how can I help?", 1000), ("customer", "Hi", 4000)]


def _pipeline() -> Pipeline:
    return Pipeline(StandardBook(standard()), timedelta(seconds=5))


def _record(db: sessionmaker[Session], pipeline: Pipeline, events: list[Event], now: float) -> Recorded:
    with session_scope(db) as session:
        return pipeline.record_events(session, events, "test", at(now))


def _statuses(result: Recorded) -> list[tuple[str | None, str]]:
    return [(o.event_id, o.status) for o in result.outcomes]


def _stored(db: sessionmaker[Session]) -> dict[str, tuple[int, int, dict[str, Any]]]:
    """interaction id -> (its events stored, its row's event_count, its score)"""
    with session_scope(db) as session:
        counts = dict(
            session.execute(select(EventRecord.interaction_id, func.count()).group_by(EventRecord.interaction_id)).all()
        )
        return {r.id: (counts.get(r.id, 0), r.event_count, r.score) for r in session.scalars(select(Interaction))}


def test_an_event_sent_again_is_a_duplicate_even_where_it_would_no_longer_fit(db: sessionmaker[Session]) -> None:
    pipeline = _pipeline()
    events = call("c1", answered=8, utterances=UTTERANCES)
    _record(db, pipeline, events, 20)
    before = _stored(db)
    answered = next(e for e in events if e.type is EventType.CALL_ANSWERED)
    moved = replace(answered, occurred_at=at(-60))  # same id; as new it would be an answer before the offer
    again = _record(db, pipeline, [events[0], moved], 30)
    assert _statuses(again) == [("c1:offered", "duplicate"), ("c1:answered", "duplicate")]
    assert again.scores == [] and _stored(db) == before  # nothing stored, nothing rescored


def test_an_event_twice_in_one_batch_counts_once(db: sessionmaker[Session]) -> None:
    events = call("c1", answered=8, utterances=UTTERANCES)
    result = _record(db, _pipeline(), [*events, events[-1]], 20)
    assert [s for _, s in _statuses(result)] == ["accepted"] * len(events) + ["duplicate"]
    assert _stored(db)["c1"][:2] == (len(events), len(events))


def test_an_inconsistent_event_is_rejected_and_not_kept(db: sessionmaker[Session]) -> None:
    pipeline = _pipeline()
    events = call("c1", answered=8, utterances=UTTERANCES)
    _record(db, pipeline, events, 20)
    ticket_step = event(EventType.TICKET_REPLIED, 15, "c1", "c1:reply", author="agent", text="hi")
    early_end = event(EventType.CALL_ENDED, -30, "c1", "c1:ended")  # before the offer
    late = event(EventType.CALL_UTTERANCE, 16, "c1", "c1:u9", speaker="customer", text="thanks", offset_ms=8000)
    result = _record(db, pipeline, [ticket_step, early_end, late], 30)
    assert _statuses(result) == [("c1:reply", "rejected"), ("c1:ended", "rejected"), ("c1:u9", "accepted")]
    assert [e.field for o in result.outcomes[:2] for e in o.errors] == ["type", "occurred_at"]
    stored = _stored(db)["c1"]
    assert stored[:2] == (len(events) + 1, len(events) + 1)
    expected = score_interaction([*events, late], standard(), at(30), per_utterance=False).as_dict()
    assert stored[2] == {**expected, "scored_at": stored[2]["scored_at"]}
    # a new interaction none of whose events is kept leaves no row behind
    reused = replace(events[0], interaction_id="c3")  # the id of an event c1 has
    assert _statuses(_record(db, pipeline, [reused], 31)) == [("c1:offered", "duplicate")]
    assert "c3" not in _stored(db)


def test_an_outcome_with_the_id_of_a_stored_event_is_a_duplicate(db: sessionmaker[Session]) -> None:
    pipeline = _pipeline()
    events = call("c1", answered=8, utterances=UTTERANCES)
    _record(db, pipeline, events, 20)
    survey = event(EventType.SURVEY_ANSWERED, 60, "c1", events[0].event_id, csat=4)
    assert _statuses(_record(db, pipeline, [survey], 70)) == [(events[0].event_id, "duplicate")]


# --------------------------------------------------------------------------- PostgreSQL: concurrent writers --


def _waiting(db: sessionmaker[Session], n: int) -> None:
    """Until `n` other sessions of this database wait on a lock (a condition, not a duration: the deadline only
    stops a broken test from hanging)."""
    deadline = time.monotonic() + 120
    with db() as session:
        while time.monotonic() < deadline:
            waiting = session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            )
            session.rollback()
            if waiting == n:
                return
            time.sleep(0.05)
    raise AssertionError(f"{n} sessions never waited on a lock")


def _in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread, out


# Row locks and concurrent writers: SQLite has one writer, so these run on PostgreSQL only.
POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@POSTGRES_ONLY
def test_writers_take_the_rows_in_id_order(db: sessionmaker[Session], database_url: str) -> None:
    """b's batch names c2 before c1: it still locks c1 first, then waits for c2 (held by a), so c waits for c1."""
    pipeline = _pipeline()
    one, two = call("c1", answered=8), call("c2", answered=8)
    _record(db, pipeline, [*one, *two], 20)
    holder = db()
    repo.lock_interactions(holder, [two[0]], lambda e: "x", at(21))  # a holds c2
    u1 = event(EventType.CALL_UTTERANCE, 12, "c1", "c1:u", speaker="agent", text="hello", offset_ms=4000)
    u2 = event(EventType.CALL_UTTERANCE, 12, "c2", "c2:u", speaker="agent", text="hello", offset_ms=4000)
    b, b_out = _in_thread(lambda: _record(db, pipeline, [u2, u1], 22))
    _waiting(db, 1)
    u1_again = replace(u1, event_id="c1:u2")
    c, c_out = _in_thread(lambda: _record(db, pipeline, [u1_again], 23))
    _waiting(db, 2)  # c waits too: for c1, which b took before waiting for c2
    holder.commit()
    holder.close()
    b.join(60)
    c.join(60)
    assert _statuses(b_out[0]) == [("c2:u", "accepted"), ("c1:u", "accepted")]
    assert _statuses(c_out[0]) == [("c1:u2", "accepted")]
    assert {i: s[:2] for i, s in _stored(db).items()} == {"c1": (4, 4), "c2": (3, 3)}


@POSTGRES_ONLY
def test_two_writers_of_the_same_new_event_store_it_once(db: sessionmaker[Session], database_url: str) -> None:
    events = call("c1", answered=8, utterances=UTTERANCES)
    _record(db, _pipeline(), events[:-1], 20)
    holder = db()
    repo.lock_interactions(holder, [events[0]], lambda e: "x", at(21))
    pipelines = [_pipeline(), _pipeline()]  # two processes
    writers = [_in_thread(lambda p=p: _record(db, p, events[-1:], 22)) for p in pipelines]
    _waiting(db, 2)
    holder.commit()
    holder.close()
    for thread, _ in writers:
        thread.join(60)
    assert sorted(_statuses(out[0])[0][1] for _, out in writers) == ["accepted", "duplicate"]
    stored = _stored(db)["c1"]
    assert stored[:2] == (len(events), len(events))
    expected = score_interaction(events, standard(), at(22), per_utterance=False).as_dict()
    assert stored[2] == {**expected, "scored_at": stored[2]["scored_at"]}


def test_rows_the_deadline_sweep_reads_are_held_against_other_writers(db: sessionmaker[Session]) -> None:
    """repo.locked (rescore_due) on SQLite too: there FOR UPDATE is ignored and the driver only begins a
    transaction at the first write, so an event committed between the sweep's read and its UPDATE was lost."""
    _record(db, _pipeline(), call("c1", answered=8), 20)
    holder = db()
    assert list(repo.locked(holder, ["c1"])) == ["c1"]
    with db() as other:
        if other.get_bind().dialect.name == "sqlite":
            other.execute(text("PRAGMA busy_timeout = 0"))  # refused at once instead of waiting for the holder
            attempt = update(Interaction).where(Interaction.id == "c1").values(final=Interaction.final)
        else:
            attempt = select(Interaction.id).where(Interaction.id == "c1").with_for_update(nowait=True)
        with pytest.raises(OperationalError):
            other.execute(attempt)
    holder.commit()
    holder.close()
