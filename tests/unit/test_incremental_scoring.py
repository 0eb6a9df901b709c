"""Incremental scoring (a live state folded event by event, refolded from scratch when an event arrives out of
order) gives exactly the score of a full rescore, on real dialogues (ABCD) in random arrival orders and batches."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.config import DEFAULT_STANDARDS_FILE
from service.events.model import Event, EventType
from service.interactions.live import LiveState
from service.scoring.quality import score_interaction, score_timeline
from service.scoring.timeline import build_timeline
from service.standards.loader import load_standard

ABCD = Path(__file__).resolve().parents[3] / "shared" / "data" / "abcd" / "abcd_sample.json"
pytestmark = pytest.mark.skipif(not ABCD.is_file(), reason=f"reference dialogues not found at {ABCD}")
STANDARD = load_standard(DEFAULT_STANDARDS_FILE).standard
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _dialogues() -> list[list[tuple[str, str]]]:
    convos = json.loads(ABCD.read_text()) if ABCD.is_file() else []
    return [[(s, t) for s, t in c["original"] if s in ("agent", "customer")] for c in convos[:200]]


DIALOGUES = _dialogues()


def _event(i: str, kind: EventType, at: datetime, payload: dict[str, Any] | None = None) -> Event:
    return Event(f"e-{i}", kind, at, "x-1", "a-1", "t-1", "q-1", payload or {})


def call_events(turns: list[tuple[str, str]], draw: st.DrawFn) -> list[Event]:
    answered = T0 + timedelta(seconds=draw(st.integers(0, 90)))
    out = [_event("off", EventType.CALL_OFFERED, T0), _event("ans", EventType.CALL_ANSWERED, answered)]
    offset = 0
    for n, (speaker, text) in enumerate(turns):
        offset += draw(st.integers(0, 9000))  # equal offsets happen: seq orders them
        at = answered + timedelta(milliseconds=offset)
        payload = {"speaker": speaker, "text": text, "offset_ms": offset, "seq": n}
        out.append(_event(f"u{n}", EventType.CALL_UTTERANCE, at, payload))
    end = answered + timedelta(milliseconds=offset + 1000)
    if draw(st.booleans()):
        hold = answered + timedelta(milliseconds=draw(st.integers(0, offset + 1)))
        out.append(_event("hold", EventType.CALL_HOLD, hold))
        if draw(st.booleans()):
            out.append(_event("res", EventType.CALL_RESUMED, hold + timedelta(seconds=draw(st.integers(1, 200)))))
    if draw(st.booleans()):
        out.append(_event("end", EventType.CALL_ENDED, end))
    return out


def ticket_events(turns: list[tuple[str, str]], draw: st.DrawFn) -> list[Event]:
    out = [_event("new", EventType.TICKET_CREATED, T0, {"priority": 2, "subject": turns[0][1][:100]})]
    at = T0
    for n, (speaker, text) in enumerate(turns):
        at += timedelta(minutes=draw(st.integers(0, 600)))
        out.append(_event(f"r{n}", EventType.TICKET_REPLIED, at, {"author": speaker, "text": text}))
    if draw(st.booleans()):
        out.append(_event("done", EventType.TICKET_RESOLVED, at + timedelta(hours=1)))
    return out


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[Event], list[list[Event]], datetime]:
    """One interaction's events, and the batches they arrive in (mostly in order, sometimes shuffled)."""
    dialogue = draw(st.sampled_from(DIALOGUES))
    turns = dialogue[: draw(st.integers(1, len(dialogue)))]
    events = (call_events if draw(st.booleans()) else ticket_events)(turns, draw)
    events.sort(key=lambda e: e.occurred_at)
    if draw(st.booleans()):
        events = draw(st.permutations(events))
    cuts = sorted(draw(st.sets(st.integers(1, len(events)), max_size=8)) | {len(events)})
    batches, start = [], 0
    for cut in cuts:
        batches.append(events[start:cut])
        start = cut
    now = max(e.occurred_at for e in events) + timedelta(seconds=draw(st.integers(0, 7 * 86400)))
    return events, batches, now


@given(arrivals())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_incremental_equals_full_rescore(case: tuple[list[Event], list[list[Event]], datetime]) -> None:
    events, batches, now = case
    state: LiveState | None = None
    seen: list[Event] = []
    for batch in batches:
        seen += batch
        # What the pipeline does: extend the live state, or fold everything stored again when it cannot.
        state = (state.extended(batch) if state else None) or LiveState.of(seen)
        assert state.fold.timeline() == build_timeline(seen)
        assert score_timeline(state.fold.timeline(), STANDARD, now) == score_interaction(seen, STANDARD, now)
    assert state is not None and state.event_count == len(events)


def test_in_order_events_never_refold() -> None:
    """A call posted one event at a time, in order, is folded incrementally to the end."""
    answered = T0 + timedelta(seconds=5)
    events = [_event("off", EventType.CALL_OFFERED, T0), _event("ans", EventType.CALL_ANSWERED, answered)]
    for n, (speaker, text) in enumerate(max(DIALOGUES, key=len)):
        payload = {"speaker": speaker, "text": text, "offset_ms": 2000 * (n + 1)}
        events.append(_event(f"u{n}", EventType.CALL_UTTERANCE, answered + timedelta(seconds=2 * (n + 1)), payload))
    events.append(_event("end", EventType.CALL_ENDED, events[-1].occurred_at + timedelta(seconds=1)))
    state = LiveState.of(events[:1])
    for e in events[1:]:
        extended = state.extended([e])
        assert extended is not None, e.event_id
        state = extended
    assert state.fold.timeline() == build_timeline(events)


def test_a_late_answer_refolds() -> None:
    """Utterance times hang on the answer: an answer arriving after them cannot be folded in."""
    u = _event("u", EventType.CALL_UTTERANCE, T0, {"speaker": "agent", "text": "hello", "offset_ms": 500})
    state = LiveState.of([u])
    assert state.extended([_event("ans", EventType.CALL_ANSWERED, T0 + timedelta(seconds=1))]) is None
