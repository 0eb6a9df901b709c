"""The live scoring state on a real database: the stored score is always the full rescore's answer, whether the
events reach one process in order, two processes taking turns (each sees the other's events only in the
database), arrive out of order, or come in a batch that is rolled back."""

from datetime import timedelta
from typing import Any

import pytest

from service.db import session_scope
from service.events.model import Event
from service.interactions.live import LiveStates
from service.interactions.models import Interaction
from service.interactions.service import Pipeline
from service.scoring.quality import score_interaction
from service.standards.book import StandardBook
from tests.factories import at, call, standard

TEXTS = [
    "Thank you for calling, my name is Ann, how can I help you today?",
    "My order never arrived and this is the third time I call, it is ridiculous",
    "I am so sorry about that, I understand how frustrating this is",
    "I just want my money back",
    "Let me check that for you, may I put you on hold for a moment?",
    "ok",
    "Thanks for waiting, I have issued the refund",
    "great, thanks",
    "Is there anything else I can help you with?",
    "no that's all",
    "Thank you for calling, have a great day",
]


class Rollback(Exception):
    pass


def _events() -> list[Event]:
    turns = [("customer" if i % 2 else "agent", text, 3000 * (i + 1)) for i, text in enumerate(TEXTS)]
    return call("live-1", answered=8, utterances=turns, holds=[(26, 40)])


def _record(db: Any, pipeline: Pipeline, events: list[Event], now: float) -> None:
    with session_scope(db) as session:
        pipeline.record_events(session, events, "test", at(now))


def _stored(db: Any) -> dict[str, Any]:
    with session_scope(db) as session:
        row = session.get(Interaction, "live-1")
        assert row is not None
        return dict(row.score)


def test_two_processes_out_of_order_and_a_rollback_store_the_full_rescore(db: Any) -> None:
    std = standard()
    a, b = (
        Pipeline(StandardBook(std), timedelta(hours=1)),
        Pipeline(StandardBook(std), timedelta(hours=1)),
    )  # two processes, two caches
    events = _events()
    events[5], events[6] = events[6], events[5]  # one utterance arrives after the next one
    sent: list[Event] = []
    for i, e in enumerate(events):
        pipeline = b if i % 4 == 3 else a
        if i == 7:  # this batch rolls back: neither the database nor a cache may keep it
            with pytest.raises(Rollback), session_scope(db) as session:
                pipeline.record_events(session, [e], "test", at(100 + i))
                raise Rollback
        _record(db, pipeline, [e], 100 + i)
        sent.append(e)
        expected = score_interaction(sent, std, at(100 + i), per_utterance=False).as_dict()
        assert _stored(db) == {**expected, "scored_at": _stored(db)["scored_at"]}, f"after event {i}"
    assert len(a.live) == 1  # a's state was used and kept while the call is live


def test_a_finished_interaction_leaves_the_cache(db: Any) -> None:
    pipeline = Pipeline(StandardBook(standard()), timedelta(hours=1))
    events = call("live-1", answered=8, utterances=[("agent", TEXTS[0], 1000)], ended=30)
    _record(db, pipeline, events[:-1], 50)
    assert len(pipeline.live) == 1
    _record(db, pipeline, events[-1:], 60)
    assert len(pipeline.live) == 0


def test_live_states_stay_within_their_interaction_and_event_bounds(db: Any) -> None:
    """CALLQA_LIVE_STATE_INTERACTIONS and CALLQA_LIVE_STATE_EVENTS: the least recently used leave first, a state
    larger than the event bound is never kept, and an evicted interaction's next event still stores the full
    rescore (it reads the interaction back)."""
    std = standard()
    pipeline = Pipeline(StandardBook(std), timedelta(hours=1), live=LiveStates(3, max_events=12))
    calls = {
        f"live-{n}": call(f"live-{n}", answered=8, utterances=[("agent", TEXTS[0], 1000), ("customer", TEXTS[1], 4000)])
        for n in range(5)
    }
    for n, events in enumerate(calls.values()):
        _record(db, pipeline, events[:3], 50 + n)  # offered, answered, one utterance: 3 events each, none ended
        assert len(pipeline.live) <= 3 and pipeline.live.events <= 12
    assert len(pipeline.live) == 3 and pipeline.live.events == 9
    assert "live-0" not in pipeline.live  # the least recently used left first

    long_call = call("live-long", answered=8, utterances=[("customer", t, 1000 * (i + 1)) for i, t in enumerate(TEXTS)])
    _record(db, pipeline, long_call, 70)  # 13 events: over the event bound, never kept
    assert "live-long" not in pipeline.live and pipeline.live.events <= 12

    for n, (cid, events) in enumerate(calls.items()):  # evicted or not, every call goes on to the full rescore
        _record(db, pipeline, events[3:], 80 + n)
        with session_scope(db) as session:
            row = session.get(Interaction, cid)
            assert row is not None
            expected = score_interaction(events, std, at(80 + n), per_utterance=False).as_dict()
            assert dict(row.score) == {**expected, "scored_at": row.score["scored_at"]}, cid
