"""decode -> validate: bodies into events or rejections that name every bad field (the 422 of POST /v1/events)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.events.decode import (
    BodyError,
    FieldError,
    Limits,
    Rejection,
    parse_json,
    split_batch,
    unstorable,
    validate_event,
    validate_items,
)
from service.events.model import Event, EventType
from service.sources.base import WireFormatError, json_body, json_stream

LIMITS = Limits(max_text_chars=100, max_clock_skew=timedelta(seconds=300), max_batch_events=3)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
GOOD = {
    "event_id": "e-1",
    "type": "call.utterance",
    "occurred_at": "2026-11-24T17:00:00+08:00",
    "interaction_id": "c-1",
    "agent_id": "a-1",
    "payload": {"speaker": "agent", "text": "Hello!", "offset_ms": 1500},
}


def _with(**changes: Any) -> dict[str, Any]:
    """GOOD with fields changed; a value of ... removes the field; `payload_x=` changes payload field x."""
    item = {**GOOD, "payload": dict(GOOD["payload"])}
    for key, value in changes.items():
        target, name = (item["payload"], key.removeprefix("payload_")) if key.startswith("payload_") else (item, key)
        if value is ...:
            target.pop(name, None)
        else:
            target[name] = value
    return item


def test_a_good_event() -> None:
    got = validate_event(GOOD, 0, LIMITS, NOW)
    assert got == Event(
        event_id="e-1",
        type=EventType.CALL_UTTERANCE,
        occurred_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),  # normalized to UTC
        interaction_id="c-1",
        agent_id="a-1",
        payload={"speaker": "agent", "text": "Hello!", "offset_ms": 1500},
    )


def test_unknown_fields_are_ignored() -> None:
    got = validate_event(_with(vendor="acme", payload_confidence=0.93, payload_words=[1, 2]), 0, LIMITS, NOW)
    assert isinstance(got, Event)
    assert dict(got.payload) == {"speaker": "agent", "text": "Hello!", "offset_ms": 1500}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        # timestamps: an offset is required; numbers (Unix time) have none; absurd values are rejected
        ({"occurred_at": "2026-11-24T09:00:00"}, ["occurred_at"]),
        ({"occurred_at": "2026-11-24"}, ["occurred_at"]),
        ({"occurred_at": 1764000000}, ["occurred_at"]),
        ({"occurred_at": "1764000000"}, ["occurred_at"]),
        ({"occurred_at": "yesterday"}, ["occurred_at"]),
        ({"occurred_at": "2026-13-01T00:00:00Z"}, ["occurred_at"]),
        ({"occurred_at": "0001-01-01T00:00:00+01:00"}, ["occurred_at"]),
        ({"occurred_at": "9999-12-31T23:59:59-01:00"}, ["occurred_at"]),
        ({"occurred_at": ...}, ["occurred_at"]),
        # identifiers
        ({"event_id": ""}, ["event_id"]),
        ({"event_id": 7}, ["event_id"]),
        ({"event_id": "x" * 129}, ["event_id"]),
        ({"interaction_id": ...}, ["interaction_id"]),
        ({"agent_id": "a\nb"}, ["agent_id"]),
        # type and payload
        ({"type": "call.teleported"}, ["type"]),
        ({"type": ...}, ["type"]),
        ({"payload": "Hello!"}, ["payload", "payload.speaker", "payload.text", "payload.offset_ms"]),
        ({"payload_offset_ms": -1}, ["payload.offset_ms"]),
        ({"payload_offset_ms": 1.5}, ["payload.offset_ms"]),
        ({"payload_seq": -1}, ["payload.seq"]),
        ({"payload_speaker": "bot"}, ["payload.speaker"]),
        ({"payload_text": ""}, ["payload.text"]),
        ({"payload_text": "x" * 101}, ["payload.text"]),
        ({"payload_text": ...}, ["payload.text"]),
        # every bad field is named at once, envelope and payload together
        (
            {"occurred_at": "2026-11-24T09:00:00", "payload_speaker": "bot", "payload_offset_ms": -5},
            ["occurred_at", "payload.speaker", "payload.offset_ms"],
        ),
        (
            {"event_id": "", "interaction_id": ..., "payload_text": "y" * 200},
            ["event_id", "interaction_id", "payload.text"],
        ),
    ],
)
def test_bad_fields_are_named(changes: dict[str, Any], fields: list[str]) -> None:
    got = validate_event(_with(**changes), 4, LIMITS, NOW)
    assert isinstance(got, Rejection), got
    assert [e.field for e in got.errors] == fields
    assert got.index == 4
    assert all(e.message for e in got.errors)


@pytest.mark.parametrize(
    ("type_", "payload", "fields"),
    [
        ("ticket.created", {"complaint_level": 4}, ["payload.complaint_level"]),
        ("ticket.created", {"priority": 0, "channel": "x" * 65}, ["payload.priority", "payload.channel"]),
        ("ticket.replied", {"author": "agent", "text": "x" * 101}, ["payload.text"]),
        ("ticket.replied", {"author": "system", "text": "hi"}, ["payload.author"]),
        ("ticket.status_changed", {}, ["payload.status"]),
        ("call.hold", {"reason": "x" * 501}, ["payload.reason"]),
    ],
)
def test_bad_payloads_of_other_types(type_: str, payload: dict[str, Any], fields: list[str]) -> None:
    got = validate_event({**GOOD, "type": type_, "payload": payload}, 0, LIMITS, NOW)
    assert isinstance(got, Rejection)
    assert [e.field for e in got.errors] == fields


def test_text_over_the_limit_says_so() -> None:
    got = validate_event(_with(payload_text="x" * 101), 0, LIMITS, NOW)
    assert got == Rejection(0, "e-1", (FieldError("payload.text", "text is 101 characters; the limit is 100"),))
    assert got.reason == "payload.text: text is 101 characters; the limit is 100"


@pytest.mark.parametrize(
    ("occurred_at", "accepted"),
    [
        ("2026-11-24T10:05:00+00:00", True),  # exactly the allowed clock skew
        ("2026-11-24T18:05:00+08:00", True),
        ("2026-11-24T10:05:01+00:00", False),
        ("2999-01-01T00:00:00+00:00", False),
        ("2020-01-01T00:00:00Z", True),  # old events are replays, not errors
    ],
)
def test_future_timestamps_beyond_the_skew(occurred_at: str, accepted: bool) -> None:
    got = validate_event(_with(occurred_at=occurred_at), 0, LIMITS, NOW)
    if accepted:
        assert isinstance(got, Event)
    else:
        assert isinstance(got, Rejection)
        assert [e.field for e in got.errors] == ["occurred_at"]
        assert "in the future" in got.errors[0].message


def test_not_an_object() -> None:
    assert validate_event(["a"], 1, LIMITS, NOW) == Rejection(
        1, None, (FieldError("body", "an event must be a JSON object"),)
    )


def test_optional_payload_fields_left_out_when_absent() -> None:
    item = {**GOOD, "type": "ticket.created", "payload": {"channel": "email", "complaint_level": 1}}
    got = validate_event(item, 0, LIMITS, NOW)
    assert isinstance(got, Event) and dict(got.payload) == {"channel": "email", "complaint_level": 1}
    no_payload = validate_event(
        {k: v for k, v in GOOD.items() if k != "payload"} | {"type": "call.ended"}, 0, LIMITS, NOW
    )
    assert isinstance(no_payload, Event) and dict(no_payload.payload) == {}


# --------------------------------------------------------------------------------------------------
# bodies and batches


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "not valid JSON"),
        (b"{'event_id': 1}", "not valid JSON"),
        (b'{"event_id": "e",', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        ("event_id=e-1&type=call.offered", "not valid JSON"),
    ],
)
def test_not_json(raw: bytes | str, message: str) -> None:
    with pytest.raises(BodyError, match=message):
        parse_json(raw)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"events": []}, "'events' is empty"),
        ({"events": {"event_id": "e"}}, "'events' must be a list"),
        ({"events": [{}, {}, {}, {}]}, "batch holds 4 events; the limit is 3"),
        ([GOOD], "body must be an event object"),
        ("hello", "body must be an event object"),
        (None, "body must be an event object"),
    ],
)
def test_bad_bodies(body: Any, message: str) -> None:
    with pytest.raises(BodyError, match=message):
        split_batch(body, LIMITS)


def test_one_event_or_a_batch() -> None:
    assert split_batch(parse_json(b'{"event_id": "e"}'), LIMITS) == ([{"event_id": "e"}], False)
    assert split_batch({"events": [GOOD, GOOD, GOOD]}, LIMITS) == ([GOOD, GOOD, GOOD], True)


def test_a_batch_answers_per_event() -> None:
    items, _ = split_batch({"events": [GOOD, _with(event_id="e-2", payload_offset_ms=-1), 42]}, LIMITS)
    first, second, third = validate_items(items, LIMITS, NOW)
    assert isinstance(first, Event) and first.event_id == "e-1"
    assert isinstance(second, Rejection) and (second.index, second.event_id) == (1, "e-2")
    assert [e.field for e in second.errors] == ["payload.offset_ms"]
    assert isinstance(third, Rejection) and third.index == 2


# The contract's text rules hold on every path that decodes JSON: HTTP bodies and Kafka records (parse_json),
# source bodies and history files (service.sources.base), so each is checked where the decoded value is judged.
@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ('{"payload": {"text": "a\\u0000b"}}', "payload.text", "contains a NUL character"),
        ('{"event_id": "\\udc00"}', "event_id", "contains a lone surrogate ('\\udc00')"),
        ('{"payload": {"n": ' + "7" * 5000 + "}}", "payload.n", "integer of 5000 digits does not fit 64 bits"),
        ('{"n": -9223372036854775809}', "n", "integer -9223372036854775809 does not fit 64 bits"),
        ('{"n": 1e400}', "n", "number 1e400 is out of range"),
        ('{"n": [Infinity]}', "n.0", "Infinity is not a JSON number"),
        ('{"a\\u0000": 1}', "a\\x00", "this name contains a character that cannot be stored"),
        ('{"x": ' + "[" * 40 + "]" * 40 + "}", "x" + ".0" * 31, "is nested deeper than 32 levels"),
    ],
)
def test_what_no_store_can_keep_is_named(raw: str, field: str, message: str) -> None:
    problem = unstorable(parse_json(raw))
    assert problem is not None and problem.field == field and problem.message.startswith(message)


def test_the_limits_themselves_are_kept() -> None:
    doc = parse_json('{"n": 9223372036854775807, "m": -9223372036854775808, "x": ' + "[" * 31 + "]" * 31 + "}")
    assert unstorable(doc) is None and doc["n"] == 2**63 - 1


def test_a_body_deeper_than_the_parser_goes_is_refused_whole() -> None:
    with pytest.raises(BodyError, match="nested too deeply; the limit is 32 levels"):
        parse_json("[" * 100_000 + "]" * 100_000)


def test_history_files_and_source_bodies_decode_by_the_same_rules() -> None:
    assert unstorable(next(json_stream('{"a": 1}{"b": ' + "9" * 30 + "}"))) is None
    records = list(json_stream('{"a": 1}{"b": ' + "9" * 30 + "}"))
    assert unstorable(records[1]) == FieldError("b", "integer of 30 digits does not fit 64 bits")
    assert unstorable(json_body(b'[{"t": "\\u0000"}]')) == FieldError(
        "0.t", "contains a NUL character, which cannot be stored"
    )
    with pytest.raises(WireFormatError, match="nested too deeply"):
        json_body(b"[" * 5000 + b"]" * 5000)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"interaction_id": "calls/1"}, "interaction_id"),
        ({"event_id": "."}, "event_id"),
        ({"agent_id": ".."}, "agent_id"),
        ({"payload_offset_ms": 604_800_001}, "payload.offset_ms"),
        ({"payload_offset_ms": 1e30}, "payload.offset_ms"),
        ({"payload_seq": 2**31}, "payload.seq"),
        ({"occurred_at": "1969-12-31T23:59:59Z"}, "occurred_at"),
    ],
)
def test_ids_and_numbers_that_cannot_be_read_back_are_refused(changes: dict[str, Any], field: str) -> None:
    got = validate_event(_with(**changes), 0, LIMITS, NOW)
    assert isinstance(got, Rejection) and [e.field for e in got.errors] == [field]


def test_ids_with_dots_are_fine_when_not_a_path_segment() -> None:
    assert isinstance(
        validate_event(_with(interaction_id="...", event_id=".e", agent_id="a.b."), 0, LIMITS, NOW), Event
    )


def test_a_history_value_that_is_not_json_is_unreadable_alone_and_reading_goes_on() -> None:
    from service.sources.base import Unreadable

    # the value of "b" swallows {"c": 2}; reading goes on at line 3, so it is read as a record of its own
    records = list(json_stream('{"a": 1}\n{"b": \n{"c": 2}\n[{"d": 3}]\n{"e": ' + "[" * 5000 + "\n{}"))
    assert records[0] == {"a": 1} and records[2:4] == [{"c": 2}, {"d": 3}] and records[5] == {}
    assert records[1] == Unreadable("line 2: not valid JSON: Expecting ',' delimiter (at line 4 column 1)")
    assert isinstance(records[4], Unreadable) and records[4].reason.startswith("line 5: a record is nested too")
