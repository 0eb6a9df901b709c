"""Folding events into a timeline: order, duplicates, status, holds, turns."""

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.events.model import EventType
from service.scoring.timeline import Hold, build_timeline
from tests.factories import at, call, event, ticket, utterance

FULL_CALL = call(
    offered=0,
    answered=12,
    utterances=[
        ("agent", "Hello, my name is Ann.", 1000),
        ("customer", "Hi, my bill is wrong.", 4000),
        ("agent", "One moment please.", 9000),
        ("agent", "Thanks for waiting.", 80000),
    ],
    holds=[(30, 60), (100, 110)],
    transfers=[(150, "agent-2")],
    ended=200,
)


def test_full_call() -> None:
    tl = build_timeline(FULL_CALL)
    assert (tl.kind, tl.interaction_id, tl.status, tl.final) == ("call", "call-1", "ended", True)
    assert (tl.offered_at, tl.answered_at, tl.ended_at) == (at(0), at(12), at(200))
    assert tl.started_at == at(0)
    assert [t.event_id for t in tl.turns] == ["call-1:u0", "call-1:u1", "call-1:u2", "call-1:u3"]
    assert tl.turns[0].at == at(13) and tl.turns[0].offset_ms == 1000
    assert [t.event_id for t in tl.turns_of("customer")] == ["call-1:u1"]
    assert tl.holds == (Hold("call-1:hold0", at(30), at(60)), Hold("call-1:hold1", at(100), at(110)))
    assert tl.transfers == 1
    assert (tl.agent_id, tl.team_id, tl.queue_id) == ("agent-2", "team-1", "queue-1")


def _shuffled_with_duplicates(events: list, seed: int) -> list:
    rng = random.Random(seed)
    out = events + rng.sample(events, k=len(events) // 2)
    rng.shuffle(out)
    return out


@pytest.mark.parametrize("seed", range(8))
def test_out_of_order_and_duplicated_events_give_the_same_timeline(seed: int) -> None:
    assert build_timeline(_shuffled_with_duplicates(FULL_CALL, seed)) == build_timeline(FULL_CALL)


@settings(max_examples=60, deadline=None)
@given(st.permutations(FULL_CALL), st.lists(st.sampled_from(FULL_CALL), max_size=5))
def test_timeline_depends_only_on_event_content(order: list, repeats: list) -> None:
    assert build_timeline(order + repeats) == build_timeline(FULL_CALL)


def test_ticket_timeline_in_any_order() -> None:
    events = ticket(
        complaint_level=2,
        replies=[("agent", "Hello", 60), ("customer", "Thanks", 120), ("agent", "Done", 180)],
        statuses=[("pending", 100)],
        resolved=300,
    )
    tl = build_timeline(list(reversed(events)) + events[:2])
    assert (tl.kind, tl.status, tl.final, tl.complaint_level) == ("ticket", "resolved", True, 2)
    assert (tl.created_at, tl.resolved_at, tl.started_at) == (at(0), at(300), at(0))
    assert [t.text for t in tl.turns] == ["Hello", "Thanks", "Done"]
    assert tl.turns[0].at == at(60) and tl.turns[0].offset_ms is None


@pytest.mark.parametrize(
    ("events", "status", "final"),
    [
        (call(), "queued", False),
        (call(ended=30), "abandoned", True),
        (call(answered=10), "talking", False),
        (call(answered=10, holds=[(20, None)]), "on_hold", False),
        (call(answered=10, holds=[(20, 40)]), "talking", False),
        (call(answered=10, ended=60), "ended", True),
        (ticket(), "open", False),
        (ticket(statuses=[("pending", 10), ("waiting_on_customer", 20)]), "waiting_on_customer", False),
        (ticket(statuses=[("pending", 10)], resolved=30), "resolved", True),
    ],
)
def test_status(events: list, status: str, final: bool) -> None:
    tl = build_timeline(events)
    assert (tl.status, tl.final) == (status, final)


def test_open_hold_is_closed_by_the_end_of_the_call() -> None:
    tl = build_timeline(call(answered=5, holds=[(20, None)], ended=90))
    assert tl.holds == (Hold("call-1:hold0", at(20), at(90)),)


def test_repeated_hold_and_stray_resume_are_ignored() -> None:
    events = [
        *call(answered=5),
        event(EventType.CALL_RESUMED, 10, event_id="stray-resume"),
        event(EventType.CALL_HOLD, 20, event_id="hold-a"),
        event(EventType.CALL_HOLD, 25, event_id="hold-again"),
        event(EventType.CALL_RESUMED, 40, event_id="resume-a"),
        event(EventType.CALL_RESUMED, 45, event_id="resume-again"),
    ]
    assert build_timeline(events).holds == (Hold("hold-a", at(20), at(40)),)


def test_turns_follow_offsets_then_seq_not_arrival_time() -> None:
    # The transcript's offsets are authoritative even when the events were stamped in another order.
    late_stamp = replace(utterance("agent", "first words", 1000, event_id="u-a"), occurred_at=at(50))
    events = [
        *call(answered=0),
        utterance("customer", "second, seq 1", 2000, seq=1, event_id="u-c"),
        utterance("agent", "second, seq 0", 2000, seq=0, event_id="u-b"),
        late_stamp,
    ]
    assert [t.event_id for t in build_timeline(events).turns] == ["u-a", "u-b", "u-c"]


def test_utterance_before_the_answer_event_uses_its_own_time() -> None:
    tl = build_timeline([event(EventType.CALL_OFFERED, 0), utterance("agent", "hi", 500, answered=3)])
    assert tl.turns[0].at == at(3.5)


def test_first_of_several_answers_and_agent_from_latest_event() -> None:
    events = [
        event(EventType.CALL_OFFERED, 0, queue_id="q1"),
        event(EventType.CALL_ANSWERED, 9, event_id="ans-late", agent_id="agent-9"),
        event(EventType.CALL_ANSWERED, 7, event_id="ans-early", agent_id="agent-7"),
    ]
    tl = build_timeline(events)
    assert tl.answered_at == at(7)
    assert (tl.agent_id, tl.queue_id) == ("agent-9", "q1")


def test_answered_without_offer_starts_at_the_answer() -> None:
    assert build_timeline(call(offered=None, answered=4)).started_at == at(4)


def test_no_events_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one event"):
        build_timeline([])
