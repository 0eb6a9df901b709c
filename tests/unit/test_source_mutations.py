"""Every source adapter on mutated vendor records (wrong types, huge and deep values, NUL and lone surrogates,
missing keys): the only error that leaves an adapter is its documented MappingError, which POST
/v1/sources/<name> answers 4xx and the Kafka consumer dead-letters, each with the reason. What an adapter does
map validates without an exception too. Pure: no I/O beyond reading the samples.

The examples are derandomized, so a run is the same on every machine and every day; a regression found once is
pinned in the table below."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.events.decode import Limits, validate_items
from service.sources.base import BodyError, MappingError, json_body
from service.sources.registry import SOURCES, get_source
from tests.mutations import mutated
from tests.vendor_samples import ctr, needs_data, records_by_source

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LIMITS = Limits(max_text_chars=20_000, max_clock_skew=timedelta(minutes=5), max_batch_events=5000)

pytestmark = needs_data


def test_every_source_has_samples() -> None:
    assert set(records_by_source()) == set(SOURCES)


def mapped_or_refused(source: str, record: Any) -> None:
    """The property: a Mapped whose events validate (accepted or rejected with reasons), or a MappingError."""
    try:
        out = get_source(source).map(record, NOW)
    except MappingError as exc:
        assert str(exc), "a refusal says why"
        return
    validate_items(list(out.events), LIMITS, NOW)


@pytest.mark.parametrize(
    ("source", "index"), [(s, i) for s, records in records_by_source().items() for i in range(len(records))]
)
@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_records_are_mapped_or_refused_with_a_reason(source: str, index: int, data: st.DataObject) -> None:
    record = records_by_source()[source][index]
    mapped_or_refused(source, data.draw(mutated(record), label="record"))


# The sites found by mutating the samples, each as it first failed (AttributeError, TypeError, ValueError,
# OverflowError or RecursionError before the typed reads).
_CTR = {
    "ContactId": "c1",
    "Channel": "VOICE",
    "LastUpdateTimestamp": "2026-11-24T09:10:00Z",
    "InitiationTimestamp": "2026-11-24T09:00:00Z",
}
_ZENDESK = {
    "type": "zen:event-type:ticket.created",
    "id": "e1",
    "time": "2026-11-24T09:00:00Z",
    "detail": {"id": "1"},
}
_TWILIO = {
    "CallSid": "CA1",
    "CallStatus": "ringing",
    "SequenceNumber": "1",
    "Timestamp": "Tue, 24 Nov 2026 09:00:00 +0000",
}
_CEL = {"eventtype": "ANSWER", "eventtime": "1700000009.5", "uniqueid": "1.2", "linkedid": "1.1"}
_FRESHDESK = {"ticket_id": "11", "triggered_event": "{ticket_action:created}"}
_SEGMENT = {"ParticipantRole": "AGENT", "Content": "Hello", "BeginOffsetMillis": 10, "Id": "t1"}
REGRESSIONS = [
    ("connect-ctr", {**_CTR, "Agent": "x"}, "Agent must be an object, got string 'x'"),
    ("connect-ctr", {**_CTR, "Agent": {"HierarchyGroups": {"Level2": []}}}, "Agent.HierarchyGroups.Level2 must be"),
    ("connect-ctr", {**_CTR, "Queue": ["q"]}, "Queue must be an object, got list"),
    ("connect-ctr", {**_CTR, "ContactId": {"a": 1}}, "ContactId must be an identifier"),
    ("connect-ctr", {**_CTR, "Channel": 7}, "Channel must be a string, got number 7"),
    ("connect-ctr", {**_CTR, "DisconnectTimestamp": "9999-12-31T23:59:59-14:00"}, "DisconnectTimestamp is out of"),
    ("connect-ctr", ctr(Agent={**ctr()["Agent"], "NumberOfHolds": 10**30}), "Agent.NumberOfHolds must be a whole"),
    ("connect-contact-events", {"detail-type": "Amazon Connect Contact Event", "detail": []}, "no detail object"),
    (
        "connect-contact-events",
        {"eventType": "QUEUED", "contactId": "c", "channel": "VOICE", "queueInfo": {"enqueueTimestamp": 5}},
        "queueInfo.enqueueTimestamp must be a date-time string",
    ),
    ("connect-contact-events", {"eventType": "QUEUED", "contactId": "c", "channel": "VOICE", "agentInfo": 3}, "agent"),
    (
        "connect-contact-lens",
        {"ContactId": "c", "EventType": "SEGMENTS", "Channel": "VOICE", "Segments": [{"Transcript": "x"}]},
        "Segments[0].Transcript must be an object",
    ),
    (
        "connect-contact-lens",
        {
            "ContactId": "c",
            "EventType": "SEGMENTS",
            "Channel": "VOICE",
            "Segments": [{"Transcript": {**_SEGMENT, "ParticipantRole": [[]]}}],
        },
        "Segments[0].Transcript.ParticipantRole must be a string",
    ),
    (
        "connect-contact-lens-postcall",
        {"CustomerMetadata": {"ContactId": "c"}, "Channel": "VOICE", "Transcript": [{**_SEGMENT, "Content": "a\x00b"}]},
        "Transcript[0].Content contains a NUL character",
    ),
    ("twilio", {**_TWILIO, "SequenceNumber": "9" * 30}, "SequenceNumber must be a whole number"),
    ("twilio", {**_TWILIO, "Timestamp": ["Tue, 24 Nov 2026 09:00:00 +0000"]}, "Timestamp must be a string"),
    ("twilio", {**_TWILIO, "Timestamp": "Tue, 24 Nov 2026 09:00:00"}, "Timestamp has no UTC offset"),
    ("twilio", {**_TWILIO, "CallStatus": "completed", "CallDuration": "9" * 12}, "CallDuration must be a whole"),
    ("asterisk", {**_CEL, "eventtime": "1" + "0" * 400}, "eventtime is out of range"),
    ("asterisk", {**_CEL, "channame": ["PJSIP/1"], "uniqueid": "1.3"}, "channame must be a string"),
    ("freeswitch", {"variables": {"uuid": "u", "start_uepoch": "1", "end_uepoch": [1]}}, "variables.end_uepoch must"),
    ("zendesk", {**_ZENDESK, "detail": {"id": "1", "via": "x"}}, "detail.via must be an object, got string 'x'"),
    ("zendesk", {**_ZENDESK, "detail": "x"}, "detail must be an object"),
    ("zendesk", {**_ZENDESK, "type": "zen:event-type:ticket.comment_added", "event": {"comment": []}}, "event.comment"),
    ("freshdesk", {"freshdesk_webhook": {**_FRESHDESK, "triggered_event": "{a:" * 2000 + "b" + "}" * 2000}}, "deep"),
    ("freshdesk", {"freshdesk_webhook": {**_FRESHDESK, "triggered_event": "{status:{to:" + "9" * 30 + "}}"}}, "status"),
]


@pytest.mark.parametrize(("source", "record", "reason"), REGRESSIONS)
def test_found_sites_are_refused_naming_the_field(source: str, record: dict[str, Any], reason: str) -> None:
    with pytest.raises(MappingError) as refused:
        get_source(source).map(record, NOW)
    assert reason in str(refused.value)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 5000 + b"]" * 5000, "nested too deep"),
        (b'{"ContactId": ' + b"9" * 5000 + b"}", "too many digits"),
    ],
)
def test_json_callqa_cannot_read_is_a_body_error(body: bytes, reason: str) -> None:
    with pytest.raises(BodyError, match=reason):
        json_body(body)
