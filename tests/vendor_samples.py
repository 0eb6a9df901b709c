"""The vendor samples in ../shared/data/payloads (read in place, never copied), and records built from the
vendors' documented fields where no sample is published."""

from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PAYLOADS = DATA / "payloads"
CONNECT = PAYLOADS / "amazon_connect_docs"
TWILIO_COMPLETED = PAYLOADS / "twilio" / "status_callback_2018-03-25_completed_outbound-api.form.txt"
TWILIO_AS_PUBLISHED = PAYLOADS / "twilio" / "status_callback_2022-05-07_busy_as-published-one-param-per-line.txt"
FREESWITCH_CDR = PAYLOADS / "freeswitch" / "json_cdr_2018-03-13_cgrates_test.json"
ZENDESK_CREATED = PAYLOADS / "zendesk_freshdesk" / "zendesk_ticket.created_event_webhook_prismatic-example.json"
ZENDESK_USER = PAYLOADS / "zendesk_freshdesk" / "zendesk_event_webhook_example_user.active_changed_zendesk-docs.json"
FRESHDESK_CREATED = PAYLOADS / "zendesk_freshdesk" / "freshdesk_ticket_created_zulip-fixture.json"
FRESHDESK_STATUS = PAYLOADS / "zendesk_freshdesk" / "freshdesk_status_changed_zulip-fixture.json"
CHAT_POSTCALL = CONNECT / "extracted_contactlens_postcall_chat_original.json"

# Published code blocks that are not valid JSON (trailing commas, // comments, an extra brace), each with the
# source it would be sent to: bad-input cases, kept as published.
NOT_JSON_AS_PUBLISHED = [
    ("connect-contact-events", "extracted_eventbridge_contact_event_disconnected.json"),
    ("connect-contact-events", "extracted_contactlens_rules_eventbridge_1.json"),
    ("connect-contact-events", "extracted_contactlens_rules_eventbridge_2.json"),
    ("connect-contact-lens-postcall", "extracted_contactlens_postcall_voice_original.json"),
    ("connect-contact-lens-postcall", "extracted_contactlens_postcall_voice_redacted.json"),
    ("connect-contact-events", "extracted_agent_event_stream_sample.json"),
]

needs_data = pytest.mark.skipif(
    not PAYLOADS.is_dir(), reason=f"vendor samples not found at {PAYLOADS} (../shared/data is not part of a clone)"
)


def ctr(contact: str = "ctr-1", updated: str = "2026-11-24T09:10:00Z", **changes: Any) -> dict[str, Any]:
    """A voice contact record with the fields of the Administrator Guide's contact record data model."""
    record: dict[str, Any] = {
        "AWSContactTraceRecordFormatVersion": "2017-03-10",
        "AWSAccountId": "123456789012",
        "ContactId": contact,
        "Channel": "VOICE",
        "InitiationMethod": "INBOUND",
        "InitiationTimestamp": "2026-11-24T09:00:00Z",
        "ConnectedToSystemTimestamp": "2026-11-24T09:00:00Z",
        "Queue": {
            "ARN": "arn:aws:connect:us-west-2:123456789012:instance/i-1/queue/q-billing",
            "Name": "Billing",
            "EnqueueTimestamp": "2026-11-24T09:00:05Z",
            "DequeueTimestamp": "2026-11-24T09:00:17Z",
            "Duration": 12,
        },
        "Agent": {
            "ARN": "arn:aws:connect:us-west-2:123456789012:instance/i-1/agent/agent-ann",
            "Username": "ann",
            "ConnectedToAgentTimestamp": "2026-11-24T09:00:17Z",
            "HierarchyGroups": {"Level1": {"GroupName": "Europe"}, "Level2": {"GroupName": "team-blue"}},
            "NumberOfHolds": 0,
        },
        "DisconnectTimestamp": "2026-11-24T09:04:00Z",
        "DisconnectReason": "CUSTOMER_DISCONNECT",
        "LastUpdateTimestamp": updated,
    }
    record.update(changes)
    return record


def twilio_form(params: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(params).encode()


def twilio_params(**changes: str) -> dict[str, str]:
    """The published `completed` callback's parameters, with changes (to build its sibling callbacks)."""
    from urllib.parse import parse_qsl

    params = dict(parse_qsl(TWILIO_COMPLETED.read_text().strip(), keep_blank_values=True))
    params.update(changes)
    return params


def _json(path: Path) -> Any:
    import json

    return json.loads(path.read_bytes())


def records_by_source() -> dict[str, list[Any]]:
    """Every source's records, as its body parser yields them: the vendors' samples where published, records built
    from the documented fields otherwise (Asterisk, a voice post-call file, the Zendesk and Freshdesk changes)."""
    from urllib.parse import parse_qsl

    segments = _json(CONNECT / "extracted_rt_segments_SEGMENTS.json")
    zendesk = _json(ZENDESK_CREATED)
    comment = {
        **zendesk,
        "id": "evt-7",
        "type": "zen:event-type:ticket.comment_added",
        "event": {"comment": {"body": "On it.", "is_public": True, "author": {"id": 99, "is_staff": True}}},
    }
    solved = {**zendesk, "id": "evt-8", "type": "zen:event-type:ticket.status_changed", "event": {"current": "SOLVED"}}
    note = {
        "freshdesk_webhook": {
            **_json(FRESHDESK_CREATED)["freshdesk_webhook"],
            "triggered_event": "{note_type:public}",
            "ticket_latest_public_comment": "We are on it.",
            "ticket_updated_at": "2026-11-24T09:00:00Z",
        }
    }
    cel = {"eventtype": "ANSWER", "eventtime": "1700000009.5", "uniqueid": "1700000000.2", "linkedid": "1700000000.1"}
    return {
        "connect-ctr": [
            ctr(),
            ctr(
                "ctr-held",
                Agent={
                    **ctr()["Agent"],
                    "NumberOfHolds": 2,
                    "LongestHoldDuration": 40,
                    "CustomerHoldDuration": 55,
                    "AfterContactWorkStartTimestamp": "2026-11-24T09:03:30Z",
                },
                NextContactId="ctr-next",
                TransferCompletedTimestamp="2026-11-24T09:03:00Z",
            ),
        ],
        "connect-contact-events": [
            _json(CONNECT / "extracted_eventbridge_contact_event_connected_to_agent.json"),
            {
                "eventType": "DISCONNECTED",
                "contactId": "c-9",
                "channel": "VOICE",
                "disconnectTimestamp": "2026-11-24T09:05:00.000Z",
                "queueInfo": {"queueArn": "arn:.../queue/q-1", "enqueueTimestamp": "2026-11-24T09:00:00.000Z"},
                "agentInfo": {"agentArn": "arn:.../agent/a-9", "connectedToAgentTimestamp": "2026-11-24T09:01:00Z"},
            },
        ],
        "connect-contact-lens": [segments],
        "connect-contact-lens-postcall": [
            _json(CHAT_POSTCALL),
            {
                "Channel": "VOICE",
                "JobStatus": "COMPLETED",
                "CustomerMetadata": {"ContactId": "voice-1"},
                "Transcript": [s["Transcript"] for s in segments["Segments"] if "Transcript" in s],
            },
        ],
        "twilio": [dict(parse_qsl(TWILIO_COMPLETED.read_text().strip(), keep_blank_values=True))],
        "asterisk": [
            cel,
            {**cel, "eventtype": "APP_START", "appname": "Queue", "appdata": "support,t", "uniqueid": "1700000000.1"},
            {
                "Event": "AgentComplete",
                "Queue": "support",
                "MemberName": "Ann",
                "Interface": "PJSIP/1002",
                "Uniqueid": "1700000000.1",
                "Linkedid": "1700000000.1",
                "Reason": "caller",
                "Timestamp": "1700000120.0",
            },
        ],
        "freeswitch": [_json(FREESWITCH_CDR)],
        "zendesk": [zendesk, comment, solved],
        "freshdesk": [_json(FRESHDESK_CREATED), _json(FRESHDESK_STATUS), note],
    }
