"""The alert book a live state keeps (service/alerts/book.py) never changes what is stored: the same deliveries
of events, deadline sweeps, supervisors' acknowledgements and resolutions, and rolled-back batches end with the
same alerts, transitions and scores whether two processes with their caches do the work, or one process that
reads every interaction's alerts every time (an independent SQLite database)."""

import random
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from service.alerts.lifecycle import acknowledge, resolve
from service.alerts.models import Alert, AlertTransition
from service.alerts.notify import Destinations
from service.db import make_engine, make_sessionmaker, session_scope
from service.events.model import Event
from service.interactions.live import LiveStates
from service.interactions.models import Interaction
from service.interactions.service import Pipeline
from service.standards.book import StandardBook
from tests.factories import at, call, standard, utterance

GREETING = "Hello, thank you for calling Acme. My name is Ann, how can I help?"
TURNS = [
    ("customer", "Hi, my internet has been down for two days and I am really frustrated and angry."),
    ("agent", "I'm so sorry about that, I understand how frustrating that is. Let me check your line."),
    ("agent", "May I put you on hold for a moment while I run a test?"),
    ("customer", "This is ridiculous, I am furious, terrible service."),
    ("agent", "Thanks for waiting. I reset the line and it should work now."),
    ("customer", "It works now, thank you so much, that's great!"),
    ("agent", "Is there anything else I can help you with today?"),
    ("agent", "Thank you for calling, have a great day!"),
]


class Rollback(Exception):
    pass


@pytest.fixture
def oracle_db(tmp_path: Path, sqlite_template: Path) -> Iterator[sessionmaker[Session]]:
    path = tmp_path / "oracle.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield make_sessionmaker(engine)
    engine.dispose()


def _pipeline(cached: bool) -> Pipeline:
    return Pipeline(StandardBook(standard()), timedelta(hours=1), live=LiveStates(1000 if cached else 0))


def _calls(rng: random.Random) -> list[Event]:
    """Two calls answered late (answer time) or not, greeted or not, with a hold over the limit until its end is
    heard of, one ended and one still going."""
    out = []
    for n, ended in ((1, 420.0), (2, None)):
        answered = rng.choice([12, 35])
        turns = [("agent", GREETING)] if rng.random() < 0.7 else []
        turns += TURNS
        utterances = [(speaker, text, 9000 * (i + 1)) for i, (speaker, text) in enumerate(turns)]
        out += call(f"c{n}", answered=answered, utterances=utterances, holds=[(70, 180)], ended=ended)
    return out


def _alerts(db: sessionmaker[Session]) -> list[tuple[Any, ...]]:
    with session_scope(db) as session:
        alerts = {a.id: a for a in session.scalars(select(Alert))}
        history = {}
        for t in session.scalars(select(AlertTransition).order_by(AlertTransition.id)):
            history.setdefault(t.alert_id, []).append((t.from_state, t.to_state, t.actor, t.note, t.at))
        return sorted(
            (a.dedup_key, a.state, a.resolved_by, a.acknowledged_by, a.message, a.breached_at, a.evidence,
             tuple(history.get(a.id, ())))
            for a in alerts.values()
        )  # fmt: skip


def _scores(db: sessionmaker[Session]) -> dict[str, Any]:
    with session_scope(db) as session:
        return {r.id: (r.score, r.event_count, r.next_due_at) for r in session.scalars(select(Interaction))}


def _supervise(db: sessionmaker[Session], key: str, act: Callable[..., Any], now: datetime) -> None:
    with session_scope(db) as session:
        alert = session.scalars(select(Alert).where(Alert.dedup_key == key)).one()
        act(session, alert, "sup-1", "looked at it", now, Destinations())


@pytest.mark.parametrize("seed", range(8))
def test_cached_alert_books_store_what_reading_every_time_does(
    db: sessionmaker[Session], oracle_db: sessionmaker[Session], seed: int
) -> None:
    rng = random.Random(seed)
    processes, oracle = (_pipeline(True), _pipeline(True)), _pipeline(False)
    # each event is delivered 0-150 s after it occurred (transcripts lag, ends arrive late), sweeps in between
    steps: list[tuple[float, str, Any]] = [
        (e.occurred_at.timestamp() + rng.uniform(0, 150), "event", e) for e in _calls(rng)
    ]
    steps += [(at(t).timestamp(), "sweep", None) for t in range(30, 700, 45)]
    steps.sort(key=lambda s: s[0])
    rolled_back = 0
    for when, what, item in steps:
        now = datetime.fromtimestamp(when, tz=at(0).tzinfo)
        process = rng.choice(processes)
        if what == "event" and rng.random() < 0.15:  # this batch rolls back: no database, no cache keeps it
            with pytest.raises(Rollback), session_scope(db) as session:
                process.record_events(session, [item], "test", now)
                raise Rollback
            rolled_back += 1
        for pipeline, database in ((process, db), (oracle, oracle_db)):
            with session_scope(database) as session:
                if what == "event":
                    pipeline.record_events(session, [item], "test", now)
                else:
                    pipeline.rescore_due(session, now)
        unresolved = [a[0] for a in _alerts(db) if a[1] != "resolved"]
        if unresolved and rng.random() < 0.15:  # a supervisor acts between two events
            key, act = rng.choice(unresolved), rng.choice([acknowledge, resolve])
            if act is acknowledge and next(a for a in _alerts(db) if a[0] == key)[1] != "open":
                act = resolve
            for database in (db, oracle_db):
                _supervise(database, key, act, now)
        assert _alerts(db) == _alerts(oracle_db), f"seed {seed}, {what} at {now}"
        assert _scores(db) == _scores(oracle_db), f"seed {seed}, {what} at {now}"
    assert rolled_back and any(a[2] == "callqa" for a in _alerts(db)), "the steps rolled back and withdrew"


def test_an_alert_a_supervisor_resolved_between_two_events_stays_resolved(db: sessionmaker[Session]) -> None:
    """The live state's book still says "open" after a supervisor resolved the alert: the next events neither
    raise it again nor withdraw it, and one acknowledged is still withdrawn when later evidence clears it."""
    pipeline = _pipeline(True)
    utterances = [(s, t, 9000 * (i + 1)) for i, (s, t) in enumerate(TURNS)]
    events = call("c1", answered=8, utterances=[("agent", GREETING, 500), *utterances], holds=[(70, 180)])
    greeting = next(e for e in events if e.payload.get("text") == GREETING)
    resumed = next(e for e in events if e.type.value == "call.resumed")
    first = [e for e in events if e not in (greeting, resumed)]
    with session_scope(db) as session:
        pipeline.record_events(session, first, "test", at(300))
    keys = {a[0].split(":")[-1]: a[0] for a in _alerts(db) if a[1] == "open"}
    assert {"greeting", "hold_time", "self_identification"} <= set(keys), keys
    _supervise(db, keys["greeting"], resolve, at(301))
    _supervise(db, keys["hold_time"], acknowledge, at(301))

    with session_scope(db) as session:  # the breaches are unchanged: nothing is raised again
        result = pipeline.record_events(
            session,
            [utterance("customer", "ok", 300_000, answered=8, interaction_id="c1", event_id="c1:late")],
            "test",
            at(310),
        )
    assert result.alerts == [] and result.withdrawn == []
    with session_scope(db) as session:  # the greeting and the hold's end clear both findings
        result = pipeline.record_events(session, [greeting, resumed], "test", at(320))
    # the greeting also names the agent: that finding, still open, is withdrawn with the hold's
    assert {a.dedup_key for a in result.withdrawn} == {keys["hold_time"], keys["self_identification"]}
    after = {a[0]: a for a in _alerts(db)}
    assert after[keys["greeting"]][1:4] == ("resolved", "sup-1", None)
    assert [h[:3] for h in after[keys["greeting"]][7]] == [(None, "open", "callqa"), ("open", "resolved", "sup-1")]
    assert after[keys["hold_time"]][1:4] == ("resolved", "callqa", "sup-1")


def test_a_live_call_whose_findings_did_not_change_reads_and_writes_no_alert(db: sessionmaker[Session]) -> None:
    pipeline = _pipeline(True)
    utterances = [(s, t, 9000 * (i + 1)) for i, (s, t) in enumerate(TURNS)]
    events = call("c1", answered=8, utterances=utterances, holds=[(70, 180)])
    with session_scope(db) as session:
        pipeline.record_events(session, events, "test", at(300))
    assert any(a[1] == "open" for a in _alerts(db))
    statements: list[str] = []
    engine = db.kw["bind"]
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with session_scope(db) as session:
            result = pipeline.record_events(
                session,
                [utterance("customer", "ok", 280_000, answered=8, interaction_id="c1", event_id="c1:ok")],
                "test",
                at(310),
            )
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert result.count("accepted") == 1 and result.alerts == [] and result.withdrawn == []
    assert [s for s in statements if "alert" in s.lower()] == []


def test_a_finding_another_process_raised_is_withdrawn_by_the_next_event(db: sessionmaker[Session]) -> None:
    """Process b's deadline sweep raises an alert while process a holds a valid live state of the call (the sweep
    stored no event): a's book is of an older revision, so a reads the alerts again and withdraws it."""
    a, b = _pipeline(True), _pipeline(True)
    utterances = [(s, t, 9000 * (i + 1)) for i, (s, t) in enumerate(TURNS[:3])]
    events = call("c1", answered=8, utterances=[("agent", GREETING, 500), *utterances], holds=[(70, 180)])
    resumed = next(e for e in events if e.type.value == "call.resumed")
    with session_scope(db) as session:
        a.record_events(session, [e for e in events if e is not resumed], "test", at(100))
    assert _alerts(db) == []  # on hold for 30 s of the 120 allowed
    with session_scope(db) as session:
        b.rescore_due(session, at(200))  # 130 s on hold
    assert [(k.split(":", 1)[1], state) for k, state, *_ in _alerts(db)] == [("hold_exceeded:hold_time", "open")]
    with session_scope(db) as session:
        result = a.record_events(session, [resumed], "test", at(210))  # the hold ended at 180 s: 110 s
    assert [w.dedup_key for w in result.withdrawn] == ["c1:hold_exceeded:hold_time"]
    assert [(state, by) for _, state, by, *_ in _alerts(db)] == [("resolved", "callqa")]
