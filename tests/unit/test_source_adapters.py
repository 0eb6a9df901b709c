"""Each source adapter on the vendors' own samples: what it maps to, what it refuses and why. Pure: no I/O
beyond reading the samples."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import pytest

from service.sources import asterisk, connect_ctr, connect_events, freshdesk, twilio, zendesk
from service.sources.base import Mapped, MappingError, SignatureError, SignedRequest, WireFormatError
from service.sources.registry import get_source
from tests.vendor_samples import (
    CHAT_POSTCALL,
    CONNECT,
    FREESWITCH_CDR,
    FRESHDESK_CREATED,
    FRESHDESK_STATUS,
    NOT_JSON_AS_PUBLISHED,
    TWILIO_AS_PUBLISHED,
    TWILIO_COMPLETED,
    ZENDESK_CREATED,
    ZENDESK_USER,
    ctr,
    needs_data,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def mapped(source: str, raw: bytes) -> list[Mapped]:
    src = get_source(source)
    return [src.map(record, NOW) for record in src.body(raw)]


def summary(m: Mapped) -> list[tuple[str, str, str]]:
    return [(e["type"], e["event_id"], e["occurred_at"]) for e in m.events]


@needs_data
class TestPublishedSamples:
    def test_contact_event_connected_to_agent(self) -> None:
        (m,) = mapped(
            "connect-contact-events",
            (CONNECT / "extracted_eventbridge_contact_event_connected_to_agent.json").read_bytes(),
        )
        cid = "11111111-1111-1111-1111-111111111111"
        assert summary(m) == [
            ("call.offered", f"connect:{cid}:offered", "2021-08-04T17:29:04+00:00"),
            ("call.answered", f"connect:{cid}:answered", "2021-08-04T17:29:09+00:00"),
        ]
        assert {e["agent_id"] for e in m.events} == {"12345678-1234-1234-1234-123456789012"}

    def test_realtime_segments_keep_complete_turns_and_leave_vendor_sentiment_as_reference(self) -> None:
        (m,) = mapped("connect-contact-lens", (CONNECT / "extracted_rt_segments_SEGMENTS.json").read_bytes())
        turns = [e["payload"] for e in m.events]
        # Two Transcript segments; the two partial Utterance segments and the Categories segment are left out.
        assert [(t["speaker"], t["offset_ms"]) for t in turns] == [("agent", 19010), ("customer", 19010)]
        assert turns[0]["text"] == "Hello, thank you for calling Example Corp. My name is Adam. How can I help you?"
        assert turns[1]["vendor_sentiment"] == "NEGATIVE"
        assert len({e["event_id"] for e in m.events}) == 2, "the guide reuses one placeholder Id: role keeps them apart"

    @pytest.mark.parametrize("kind", ["STARTED", "COMPLETED", "FAILED"])
    def test_realtime_lifecycle_events_are_acknowledged_not_scored(self, kind: str) -> None:
        (m,) = mapped("connect-contact-lens", (CONNECT / f"extracted_rt_segments_{kind}.json").read_bytes())
        assert m.events == () and m.ignored == f"{kind} carries no transcript"

    def test_postcall_chat_turns_are_offsets_from_the_agent_joining(self) -> None:
        (m,) = mapped("connect-contact-lens-postcall", CHAT_POSTCALL.read_bytes())
        types = [e["type"] for e in m.events]
        assert types[0] == "call.answered" and types[-1] == "call.ended"
        assert m.events[0]["occurred_at"] == "2022-10-27T03:32:00.951000+00:00"
        turns = [e["payload"] for e in m.events if e["type"] == "call.utterance"]
        assert len(turns) == 28  # 15 agent and 13 customer messages; the 3 SYSTEM messages are left out
        assert sum(t["speaker"] == "agent" for t in turns) == 15
        assert (turns[0]["speaker"], turns[0]["offset_ms"]) == ("agent", 2511)  # Contact Lens's greeting time
        assert all(t["offset_ms"] >= 0 for t in turns)

    def test_twilio_completed_callback_carries_the_answer_from_call_duration(self) -> None:
        (m,) = mapped("twilio", TWILIO_COMPLETED.read_bytes())
        sid = "CAbe982f58915a2def4cf7aaa1f1766236"
        assert summary(m) == [
            ("call.answered", f"twilio:{sid}:3:answer", "2018-03-25T09:52:30.000003+00:00"),  # 09:53:19 - 49 s
            ("call.ended", f"twilio:{sid}:3", "2018-03-25T09:53:19.000003+00:00"),
        ]

    def test_twilio_callback_published_one_parameter_per_line_is_not_a_form_body(self) -> None:
        with pytest.raises(WireFormatError, match="raw line breaks"):
            get_source("twilio").body(TWILIO_AS_PUBLISHED.read_bytes())

    def test_freeswitch_cdr_of_a_61_s_call(self) -> None:
        (m,) = mapped("freeswitch", FREESWITCH_CDR.read_bytes())
        at = {e["type"]: datetime.fromisoformat(e["occurred_at"]) for e in m.events}
        assert list(at) == ["call.offered", "call.answered", "call.hold", "call.resumed", "call.ended"]
        assert (at["call.answered"] - at["call.offered"]).total_seconds() == pytest.approx(1.480156)  # waitsec 2
        assert (at["call.ended"] - at["call.answered"]).total_seconds() == pytest.approx(59.019658)  # billsec 59
        assert (at["call.resumed"] - at["call.hold"]).total_seconds() == pytest.approx(2.208292)  # hold_accum
        assert m.events[0]["agent_id"] == "1002" and m.events[-1]["payload"] == {"reason": "NORMAL_CLEARING"}

    def test_freeswitch_url_encoded_values_map_the_same(self) -> None:
        record = json.loads(FREESWITCH_CDR.read_text())
        encoded = {**record, "variables": {k: quote(str(v), safe="") for k, v in record["variables"].items()}}
        assert encoded["variables"]["hold_events"].startswith("%7B%7B")  # mod_json_cdr's default encode-values
        assert get_source("freeswitch").map(encoded, NOW) == get_source("freeswitch").map(record, NOW)

    def test_zendesk_ticket_created(self) -> None:
        (m,) = mapped("zendesk", ZENDESK_CREATED.read_bytes())
        assert summary(m) == [("ticket.created", "zendesk:01HNXXXX-CTEXAMPLE", "2024-04-17T17:18:10+00:00")]
        assert m.events[0]["interaction_id"] == "zendesk-35436" and m.events[0]["payload"] == {"channel": "web"}

    def test_zendesk_user_event_is_acknowledged_not_scored(self) -> None:
        (m,) = mapped("zendesk", ZENDESK_USER.read_bytes())
        assert m.events == () and "not a ticket event" in (m.ignored or "")

    def test_freshdesk_created_and_status_changed(self) -> None:
        (created,) = mapped("freshdesk", FRESHDESK_CREATED.read_bytes())
        (status,) = mapped("freshdesk", FRESHDESK_STATUS.read_bytes())
        assert [e["type"] for e in created.events] == ["ticket.created"]
        assert created.events[0]["payload"] == {"priority": 2, "subject": "Test ticket subject ☃"}
        assert [e["type"] for e in status.events] == ["ticket.status_changed"]
        assert status.events[0]["payload"] == {"status": "waiting on customer"}
        assert created.events[0]["interaction_id"] == status.events[0]["interaction_id"] == "freshdesk-11"

    @pytest.mark.parametrize(("source", "name"), NOT_JSON_AS_PUBLISHED)
    def test_code_blocks_that_are_not_json_as_published_are_refused_with_the_position(
        self, source: str, name: str
    ) -> None:
        with pytest.raises(WireFormatError, match=r"body is not valid JSON: .* line \d+ column \d+"):
            get_source(source).body((CONNECT / name).read_bytes())


class TestContactRecords:
    def test_facts_get_version_free_ids_and_the_record_its_version(self) -> None:
        m = connect_ctr.map_record(ctr(), NOW)
        assert [e["event_id"] for e in m.events] == [
            "connect:ctr-1:offered",
            "connect:ctr-1:answered",
            "connect:ctr-1:ended",
        ]
        assert m.version is not None and (m.version.key, m.version.label) == ("ctr-1", "2026-11-24T09:10:00Z")
        assert {(e["agent_id"], e["team_id"], e["queue_id"]) for e in m.events} == {
            ("agent-ann", "team-blue", "q-billing")
        }

    def test_newer_copy_has_a_larger_version(self) -> None:
        old = connect_ctr.map_record(ctr(updated="2026-11-24T09:10:00Z"), NOW).version
        new = connect_ctr.map_record(ctr(updated="2026-11-24T09:15:00Z"), NOW).version
        assert old is not None and new is not None and new.version > old.version

    def test_abandoned_contact_has_no_answer(self) -> None:
        record = ctr(Agent=None)
        assert [e["type"] for e in connect_ctr.map_record(record, NOW).events] == ["call.offered", "call.ended"]

    def test_task_is_not_scored(self) -> None:
        assert (
            connect_ctr.map_record(ctr(Channel="TASK"), NOW).ignored
            == "TASK contacts are not scored (only VOICE and CHAT are calls)"
        )

    @pytest.mark.parametrize(
        ("change", "reason"),
        [
            ({"ContactId": None}, "missing field ContactId"),
            ({"LastUpdateTimestamp": "2026-11-24 09:10:00"}, "LastUpdateTimestamp has no UTC offset"),
            ({"DisconnectTimestamp": "yesterday"}, "DisconnectTimestamp is not an ISO 8601 date-time"),
        ],
    )
    def test_unmappable(self, change: dict[str, Any], reason: str) -> None:
        with pytest.raises(MappingError, match=reason):
            connect_ctr.map_record(ctr(**change), NOW)


def test_contact_event_with_and_without_eventbridge_envelope_map_the_same() -> None:
    detail = {
        "eventType": "DISCONNECTED",
        "contactId": "c-9",
        "channel": "VOICE",
        "disconnectTimestamp": "2026-11-24T09:05:00.000Z",
        "agentInfo": {"agentArn": "arn:.../agent/a-9", "connectedToAgentTimestamp": "2026-11-24T09:01:00.000Z"},
    }
    envelope = {
        "version": "0",
        "detail-type": "Amazon Connect Contact Event",
        "source": "aws.connect",
        "detail": detail,
    }
    assert connect_events.map_record(envelope, NOW) == connect_events.map_record(detail, NOW)
    assert [e["type"] for e in connect_events.map_record(detail, NOW).events] == ["call.answered", "call.ended"]
    other = {**envelope, "detail-type": "Contact Lens Post Call Rules Matched"}
    assert (
        connect_events.map_record(other, NOW).ignored
        == "EventBridge event 'Contact Lens Post Call Rules Matched' is not a contact event"
    )


class TestTwilioSignature:
    URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
    PARAMS: ClassVar[dict[str, str]] = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }

    def test_twilio_published_vectors(self) -> None:
        assert twilio.signature(self.URL, list(self.PARAMS.items()), "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        repeated = [
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]
        assert twilio.signature(self.URL, repeated, "12345") == "IK+Dwps556ElfBT0I3Rgjkr1wJU="

    def request(self, signature: str | None, url: str = URL) -> SignedRequest:
        headers = {"x-twilio-signature": signature} if signature else {}
        body = "&".join(f"{k}={quote(v, safe='')}" for k, v in self.PARAMS.items()).encode()
        return SignedRequest(url, headers, body, NOW)

    def test_verify(self) -> None:
        twilio.verify(self.request("RSOYDt4T1cUTdK1PDd93/VVr8B8="), "12345")

    @pytest.mark.parametrize(
        ("signature", "url", "token", "reason"),
        [
            ("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, "54321", "does not match"),
            ("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL + "&extra=1", "12345", "does not match"),
            (None, URL, "12345", "missing X-Twilio-Signature"),
            ("RSOYDt4T1cUTdK1PDd93/VVr8B8=", URL, None, "CALLQA_TWILIO_AUTH_TOKEN is not set"),
        ],
    )
    def test_refused(self, signature: str | None, url: str, token: str | None, reason: str) -> None:
        with pytest.raises(SignatureError, match=reason):
            twilio.verify(self.request(signature, url), token)


def test_twilio_callbacks_in_one_second_keep_their_sequence() -> None:
    base = {"CallSid": "CA1", "Timestamp": "Tue, 24 Nov 2026 09:00:00 +0000"}
    rang = twilio.map_record({**base, "CallStatus": "ringing", "SequenceNumber": "1"}, NOW).events[0]
    answered = twilio.map_record({**base, "CallStatus": "in-progress", "SequenceNumber": "2"}, NOW).events[0]
    assert rang["occurred_at"] < answered["occurred_at"]
    assert (rang["event_id"], answered["event_id"]) == ("twilio:CA1:1", "twilio:CA1:2")
    with pytest.raises(MappingError, match="unknown CallStatus 'exploded'"):
        twilio.map_record({**base, "CallStatus": "exploded", "SequenceNumber": "3"}, NOW)


class TestZendesk:
    BODY = b'{"type": "zen:event-type:ticket.comment_added"}'

    def test_signature_is_base64_hmac_sha256_of_timestamp_and_body(self) -> None:
        import base64
        import hashlib
        import hmac

        expected = base64.b64encode(
            hmac.new(b"s3cret", b"2026-11-24T09:00:00Z" + self.BODY, hashlib.sha256).digest()
        ).decode()
        assert zendesk.signature("2026-11-24T09:00:00Z", self.BODY, "s3cret") == expected

    def request(self, stamp: str, received_at: datetime, body: bytes = BODY) -> SignedRequest:
        headers = {
            "x-zendesk-webhook-signature": zendesk.signature(stamp, self.BODY, "s3cret"),
            "x-zendesk-webhook-signature-timestamp": stamp,
        }
        return SignedRequest("https://x/v1/sources/zendesk", headers, body, received_at)

    @pytest.mark.parametrize("offset", [timedelta(0), timedelta(minutes=-5), timedelta(minutes=5)])
    def test_a_timestamp_within_the_window_either_way_is_accepted(self, offset: timedelta) -> None:
        stamp = (NOW + offset).isoformat().replace("+00:00", "Z")
        zendesk.verify(self.request(stamp, received_at=NOW), "s3cret", timedelta(minutes=5))

    @pytest.mark.parametrize(
        ("stamp", "reason"),
        [
            ("2025-11-24T12:00:00Z", "is 31536000 s from callqa's clock; at most 300 s"),  # a year old: a replay
            ("2026-11-24T11:54:59Z", "is 301 s from callqa's clock"),
            ("2026-11-24T12:05:01Z", "is 301 s from callqa's clock"),  # from the future: a clock off
            ("1795521600", "not an ISO 8601 date-time"),  # Unix seconds are not Zendesk's format
            ("soon", "not an ISO 8601 date-time"),
            ("2026-11-24T12:00:00", "no UTC offset"),
            ("0001-01-01T00:00:00+01:00", "out of range"),
        ],
    )
    def test_a_timestamp_outside_the_window_or_not_iso_8601_is_refused(self, stamp: str, reason: str) -> None:
        with pytest.raises(SignatureError, match=reason):
            zendesk.verify(self.request(stamp, received_at=NOW), "s3cret", timedelta(minutes=5))

    def test_a_changed_body_is_refused(self) -> None:
        stamp = "2026-11-24T12:00:00Z"
        with pytest.raises(SignatureError, match="does not match"):
            zendesk.verify(self.request(stamp, NOW, self.BODY + b" "), "s3cret", timedelta(minutes=5))

    def comment(self, is_staff: bool, is_public: bool = True) -> dict[str, Any]:
        return {
            "type": "zen:event-type:ticket.comment_added",
            "id": "evt-7",
            "time": "2026-11-24T09:30:00Z",
            "detail": {"id": "5158", "assignee_id": "8447", "group_id": "g-1"},
            "event": {
                "comment": {
                    "id": 1,
                    "body": "We are on it.",
                    "is_public": is_public,
                    "author": {"id": 99, "is_staff": is_staff},
                }
            },
        }

    def test_comments(self) -> None:
        agent = zendesk.map_record(self.comment(True), NOW).events[0]
        assert (agent["type"], agent["payload"]["author"], agent["agent_id"]) == ("ticket.replied", "agent", "99")
        assert zendesk.map_record(self.comment(False), NOW).events[0]["payload"]["author"] == "customer"
        assert (
            zendesk.map_record(self.comment(True, is_public=False), NOW).ignored
            == "internal note: not a reply the customer sees"
        )

    def test_solved_is_resolved(self) -> None:
        record = {
            **self.comment(True),
            "type": "zen:event-type:ticket.status_changed",
            "event": {"current": "SOLVED", "previous": "OPEN"},
        }
        assert [e["type"] for e in zendesk.map_record(record, NOW).events] == [
            "ticket.status_changed",
            "ticket.resolved",
        ]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("{ticket_action:created}", {"ticket_action": "created"}),
        ("{status:{from:4,to:6}}", {"status": {"from": "4", "to": "6"}}),
        ("{ priority : { from : 1 , to : 3 } }", {"priority": {"from": "1", "to": "3"}}),
        ("{note_type:public}", {"note_type": "public"}),
    ],
)
def test_freshdesk_triggered_event_notation(text: str, parsed: dict[str, Any]) -> None:
    assert freshdesk.parse_triggered_event(text) == parsed


@pytest.mark.parametrize("text", ["", "status", "{status:}", "{status:{from:4,to:6}", '{"a": 1} x', "{:x}"])
def test_freshdesk_triggered_event_malformed(text: str) -> None:
    with pytest.raises(MappingError, match="triggered_event"):
        freshdesk.parse_triggered_event(text)


class TestAsterisk:
    def cel(self, kind: str, unique: str, t: float, **more: str) -> dict[str, Any]:
        return {"eventtype": kind, "eventtime": str(t), "uniqueid": unique, "linkedid": "1700000000.1", **more}

    def test_queue_call_from_cel(self) -> None:
        records = [
            self.cel("CHAN_START", "1700000000.1", 1700000000.0),
            self.cel("APP_START", "1700000000.1", 1700000001.0, appname="Queue", appdata="support,t,,,300"),
            self.cel("ANSWER", "1700000000.2", 1700000009.5, channame="PJSIP/1002-0000002a"),
            self.cel("HANGUP", "1700000000.1", 1700000120.0),
            self.cel("LINKEDID_END", "1700000000.1", 1700000120.2),
        ]
        out = [asterisk.map_record(r, NOW) for r in records]
        assert out[0].ignored == "CEL CHAN_START is not a fact callqa scores"
        events = [e for m in out for e in m.events]
        assert [e["type"] for e in events] == ["call.offered", "call.answered", "call.ended", "call.ended"]
        assert events[0]["queue_id"] == "support" and events[1]["agent_id"] == "PJSIP/1002"
        assert {e["interaction_id"] for e in events} == {"asterisk-1700000000.1"}

    def test_ami_queue_events(self) -> None:
        connect = {
            "Event": "AgentConnect",
            "Queue": "support",
            "MemberName": "Ann",
            "Interface": "PJSIP/1002",
            "HoldTime": "8",
            "RingTime": "2",
            "Uniqueid": "1700000000.1",
            "Linkedid": "1700000000.1",
            "Timestamp": "1700000009.500000",
        }
        complete = {
            **connect,
            "Event": "AgentComplete",
            "TalkTime": "110",
            "Reason": "caller",
            "Timestamp": "1700000120.0",
        }
        a, c = asterisk.map_record(connect, NOW).events[0], asterisk.map_record(complete, NOW).events[0]
        assert (a["type"], a["agent_id"], a["queue_id"]) == ("call.answered", "Ann", "support")
        assert (c["type"], c["payload"]) == ("call.ended", {"reason": "AgentComplete: caller"})

    @pytest.mark.parametrize(
        ("record", "reason"),
        [
            (
                {"eventtype": "ANSWER", "eventtime": "2026-11-24 09:00:00", "uniqueid": "1.2", "linkedid": "1.1"},
                "no UTC offset",
            ),
            ({"Event": "AgentConnect", "Linkedid": "1.1"}, "set timestampevents=yes"),
            ({"foo": "bar"}, "neither a CEL record"),
        ],
    )
    def test_unmappable(self, record: dict[str, Any], reason: str) -> None:
        with pytest.raises(MappingError, match=reason):
            asterisk.map_record(record, NOW)
