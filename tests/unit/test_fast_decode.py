"""The fast decode path (service.events.fast) only ever agrees with the full one: what it accepts, the full path
accepts as the same event; whatever it is unsure of (every bad input among them) it leaves to the full path. An HTTP
body decoded by `decode_body` is answered exactly as the full path answers it, event by event."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.events.decode import BodyError, Limits, Rejection, parse_json, split_batch, validate_event
from service.events.fast import compile_model, decode_body, fast_event
from service.events.model import Event, EventType
from service.events.schemas import PAYLOAD_MODELS, EnvelopeIn

LIMITS = Limits(max_text_chars=100, max_clock_skew=timedelta(seconds=300), max_batch_events=3)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
BASE = {
    "event_id": "e-1",
    "occurred_at": "2026-11-24T17:00:00+08:00",
    "interaction_id": "c-1",
    "agent_id": "a-1",
    "team_id": "t-1",
    "queue_id": "q-1",
}
PAYLOADS: dict[str, dict[str, Any]] = {
    "call.offered": {},
    "call.answered": {},
    "call.utterance": {"speaker": "agent", "text": "Hello, 你好!", "offset_ms": 1500, "seq": 2},
    "call.hold": {"reason": "checking"},
    "call.resumed": {},
    "call.transferred": {"to_agent_id": "a-2", "to_queue_id": "q-2", "to_interaction_id": "c-2"},
    "call.ended": {"reason": "customer hung up"},
    "ticket.created": {"priority": 2, "complaint_level": 1, "channel": "email", "subject": "Refund"},
    "ticket.replied": {"author": "customer", "text": "Where is my order?"},
    "ticket.status_changed": {"status": "pending"},
    "ticket.resolved": {},
    "contact.reason": {"customer_id": "cust-9", "reason": "billing"},
}


def both(doc: Any, ascii_only: bool = False) -> tuple[Event | None, Event | Rejection]:
    raw = json.dumps(doc, ensure_ascii=ascii_only).encode()
    return fast_event(raw, LIMITS, NOW), validate_event(parse_json(raw), 0, LIMITS, NOW)


def test_every_event_type_but_model_validated_ones_is_compiled() -> None:
    assert compile_model(EnvelopeIn) is not None
    slow_only = {t.value for t, m in PAYLOAD_MODELS.items() if compile_model(m) is None}
    assert slow_only == {"survey.answered"}  # its model validator (csat or nps) is pydantic's alone


@pytest.mark.parametrize("type_", sorted(PAYLOADS))
@pytest.mark.parametrize("ascii_only", [False, True])
def test_a_plain_event_of_each_type_takes_the_fast_path_and_is_the_same_event(type_: str, ascii_only: bool) -> None:
    fast, full = both({**BASE, "type": type_, "payload": PAYLOADS[type_]}, ascii_only)
    assert fast is not None and isinstance(full, Event)
    assert fast == full
    assert list(fast.payload) == list(full.payload)  # stored as the same JSON text
    assert fast.occurred_at.tzinfo is UTC


def test_absent_and_null_optional_fields_are_left_out_as_the_full_path_does() -> None:
    doc = {**BASE, "agent_id": None, "type": "call.utterance", "payload": {**PAYLOADS["call.utterance"], "seq": None}}
    del doc["team_id"]
    fast, full = both(doc)
    assert fast == full and "seq" not in fast.payload and fast.agent_id is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "changes",
    [
        {"occurred_at": "2026-11-24 17:00:00+08:00"},  # spellings pydantic takes and this path leaves to it
        {"occurred_at": "2026-11-24t17:00:00+08:00"},
        {"occurred_at": "2026-11-24T17:00:00.1234567Z"},
        {"occurred_at": "2026-11-24T17:00Z"},
        {"occurred_at": "2026-11-24T12:00:00Z"},  # 2 hours ahead of NOW: the future, refused with a reason
        {"occurred_at": "2026-02-30T00:00:00Z"},
        {"occurred_at": "1969-12-31T23:59:59Z"},
        {"occurred_at": "2026-11-24T24:00:00Z"},
        {"event_id": "a\nb"},
        {"event_id": "e\n"},  # Python's `$` would match before the newline; pydantic's pattern does not
        {"interaction_id": "calls/1"},
        {"agent_id": ".."},
        {"event_id": "x" * 129},
        {"payload": {"speaker": "agent", "text": "x" * 101, "offset_ms": 1}},
        {"payload": {"speaker": "agent", "text": "hi", "offset_ms": True}},
        {"payload": {"speaker": "agent", "text": "hi", "offset_ms": 5.0}},
        {"payload": {"speaker": "agent", "text": "hi", "offset_ms": "5"}},
        {"payload": {"speaker": "agent", "text": "hi", "offset_ms": 2**63}},
        {"payload": {"speaker": "agent", "text": "hi", "offset_ms": 2**64}},  # orjson reads it as a float
        {"payload": {"speaker": "agent", "text": "a\u0000b", "offset_ms": 1}},
        {"payload": None},
        {"payload": [1]},
        {"type": "call.teleported"},
        {"extra": {"deep": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}},
    ],
)
def test_what_the_fast_path_is_unsure_of_goes_the_full_way(changes: dict[str, Any]) -> None:
    doc = {**BASE, "type": "call.utterance", "payload": PAYLOADS["call.utterance"], **changes}
    fast, full = both(doc)
    assert fast is None or fast == full
    if isinstance(full, Rejection):
        assert fast is None


@pytest.mark.parametrize(
    "raw",
    [
        b'{"event_id": "\\ud800"}',
        b"\xef\xbb\xbf{}",
        b'{"n": 1e400}',
        b'{"n": NaN}',
        b"not json",
        b"[]",
        json.dumps({**BASE, "type": "call.utterance", "payload": {"speaker": "agent", "text": "x"}}).encode(),
        json.dumps({**BASE, "type": "survey.answered", "payload": {"csat": 5}}).encode(),
    ],
)
def test_bodies_the_full_path_answers(raw: bytes) -> None:
    assert fast_event(raw, LIMITS, NOW) is None


_ids = st.one_of(
    st.sampled_from(["a-1", ".x", "..y", ".", "..", "a/b", "x" * 128, "x" * 129, "", "a\n", "é中"]),
    st.text(max_size=6),
    st.integers(),
    st.none(),
)
_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(["agent", "customer", "email", "x" * 101, "x" * 501]),
)
_times = st.one_of(
    st.datetimes(
        min_value=datetime(1960, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.sampled_from([UTC, None])
    ).map(lambda d: d.isoformat()),
    st.sampled_from(["2026-11-24T09:00:00Z", "2026-11-24T09:00:00.5+05:30", "2026-11-24T09:00:00-00:00"]),
    st.text(max_size=30),
)


@st.composite
def _events(draw: st.DrawFn) -> dict[str, Any]:
    type_ = draw(st.sampled_from([*(t.value for t in EventType), "call.teleported", 7]))
    payload = dict(PAYLOADS.get(type_, {}) if isinstance(type_, str) else {})
    for name in draw(st.lists(st.sampled_from([*payload, "seq", "priority", "csat", "text", "odd"]), max_size=3)):
        payload[name] = draw(_values)
    doc: dict[str, Any] = {**BASE, "type": type_, "payload": payload, "occurred_at": draw(_times)}
    for name in draw(st.lists(st.sampled_from(["event_id", "interaction_id", "agent_id", "queue_id"]), max_size=2)):
        doc[name] = draw(_ids)
    if draw(st.booleans()):
        doc.pop(draw(st.sampled_from(sorted(doc))))
    return doc


@given(_events(), st.booleans())
def test_accepted_fast_only_as_the_full_path_accepts_and_builds_it(doc: dict[str, Any], ascii_only: bool) -> None:
    fast, full = both(doc, ascii_only)
    if fast is not None:
        assert fast == full
        assert list(fast.payload) == list(full.payload)  # type: ignore[union-attr]


def full_body(raw: bytes) -> tuple[list[Event | Rejection], bool]:
    """What the full path alone makes of an HTTP body."""
    items, is_batch = split_batch(parse_json(raw), LIMITS)
    return [validate_event(item, i, LIMITS, NOW) for i, item in enumerate(items)], is_batch


@given(st.lists(_events(), min_size=1, max_size=3), st.booleans(), st.booleans())
def test_a_body_is_answered_as_the_full_path_answers_it(
    docs: list[dict[str, Any]], batch: bool, ascii_only: bool
) -> None:
    raw = json.dumps({"events": docs} if batch else docs[0], ensure_ascii=ascii_only).encode()
    assert decode_body(raw, LIMITS, NOW) == full_body(raw)


def test_a_batch_with_one_unusual_event_takes_the_full_path_for_that_one_only() -> None:
    plain = {**BASE, "type": "call.utterance", "payload": PAYLOADS["call.utterance"]}
    spaced = {**plain, "event_id": "e-2", "occurred_at": "2026-11-24 17:00:00+08:00"}  # valid, in pydantic's spelling
    bad = {**plain, "event_id": "e-3", "payload": {**PAYLOADS["call.utterance"], "offset_ms": "soon"}}
    raw = json.dumps({"events": [plain, spaced, bad]}).encode()
    items, is_batch = decode_body(raw, LIMITS, NOW)
    assert is_batch and (items, is_batch) == full_body(raw)
    assert [type(i) for i in items] == [Event, Event, Rejection]
    assert items[2].index == 2 and "payload.offset_ms" in items[2].reason  # type: ignore[union-attr]


_PLAIN = json.dumps({**BASE, "type": "call.answered", "payload": {}})


@pytest.mark.parametrize(
    "raw",
    [
        b'{"events": [%s, {"n": 1e400}]}' % _PLAIN.encode(),
        b'{"events": [%s, {"event_id": "\\ud800"}]}' % _PLAIN.encode(),
        b'{"events": [%s, {"event_id": "a\\u0000b"}]}' % _PLAIN.encode(),
        b'{"events": [%s, {"n": 123456789012345678901234567890}]}' % _PLAIN.encode(),
        b'{"events": [%s, {"x": %s}]}' % (_PLAIN.encode(), b"[" * 40 + b"]" * 40),
        b'{"events": [%s], "events": [%s, {}]}' % (_PLAIN.encode(), _PLAIN.encode()),  # the last one counts
        _PLAIN.replace('"e-1"', '"e-1", "event_id": "e-2"').encode(),
    ],
)
def test_odd_bodies_are_answered_as_the_full_path_answers_them(raw: bytes) -> None:
    assert decode_body(raw, LIMITS, NOW) == full_body(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"events": {}}',
        b'{"events": []}',
        json.dumps({"events": [dict(BASE, event_id=f"e-{i}") for i in range(4)]}).encode(),  # over max_batch_events
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_a_body_refused_as_a_whole_is_refused_with_the_full_paths_words(raw: bytes) -> None:
    with pytest.raises(BodyError) as fast:
        decode_body(raw, LIMITS, NOW)
    with pytest.raises(BodyError) as full:
        full_body(raw)
    assert (type(fast.value), str(fast.value)) == (type(full.value), str(full.value))
