"""POST /v1/sources/<name> over real HTTP, on SQLite and PostgreSQL, with the vendors' own samples: mapped and
scored, re-deliveries and out-of-order records handled, bad payloads and signatures refused with a reason."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from service.sources import twilio
from tests.conftest import LiveServer
from tests.mutations import REGRESSIONS
from tests.vendor_samples import (
    CHAT_POSTCALL,
    CONNECT,
    FREESWITCH_CDR,
    FRESHDESK_CREATED,
    FRESHDESK_STATUS,
    NOT_JSON_AS_PUBLISHED,
    TWILIO_AS_PUBLISHED,
    ZENDESK_CREATED,
    ZENDESK_USER,
    ctr,
    needs_data,
    twilio_form,
    twilio_params,
)

TOKEN = "twilio-test-token"
ZENDESK_SECRET = "zendesk-test-secret"
Start = Callable[..., LiveServer]


@pytest.fixture
def server(start_server: Start) -> LiveServer:
    return start_server(twilio_auth_token=TOKEN, zendesk_signing_secret=ZENDESK_SECRET)


def post(server: LiveServer, name: str, body: bytes, **headers: str) -> httpx.Response:
    return server.client.post(
        f"/v1/sources/{name}", content=body, headers={"content-type": "application/json", **headers}
    )


def post_twilio(server: LiveServer, params: dict[str, str], query: str = "", token: str = TOKEN) -> httpx.Response:
    url = f"{server.url}/v1/sources/twilio{query}"
    sig = twilio.signature(url, list(params.items()), token)
    headers = {"x-twilio-signature": sig, "content-type": "application/x-www-form-urlencoded"}
    return httpx.post(url, content=twilio_form(params), headers=headers)  # Twilio sends no API key


def post_zendesk(
    server: LiveServer, body: bytes, secret: str = ZENDESK_SECRET, age: timedelta = timedelta(0)
) -> httpx.Response:
    """Signed now by the server's clock, or `age` ago."""
    stamp = (server.clock() - age).strftime("%Y-%m-%dT%H:%M:%SZ")  # Zendesk's own form
    sig = base64.b64encode(hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()).decode()
    headers = {
        "x-zendesk-webhook-signature": sig,
        "x-zendesk-webhook-signature-timestamp": stamp,
        "content-type": "application/json",
    }
    return httpx.post(f"{server.url}/v1/sources/zendesk", content=body, headers=headers)


def detail(server: LiveServer, interaction_id: str) -> dict[str, Any]:
    r = server.client.get(f"/v1/interactions/{interaction_id}")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@needs_data
class TestPublishedSamples:
    def test_freeswitch_cdr_is_scored_and_a_second_delivery_is_a_duplicate(self, server: LiveServer) -> None:
        r = post(server, "freeswitch", FREESWITCH_CDR.read_bytes())
        assert r.status_code == 202, r.text
        assert (r.json()["accepted"], r.json()["records"]) == (5, [{"index": 0, "status": "mapped", "events": 5}])
        call = detail(server, "5282f87c-368c-43a2-babd-bc63ff12dc79")
        assert (call["status"], call["agent_id"], call["answer_wait_seconds"]) == ("ended", "1002", 1.48)
        assert {e["source"] for e in call["timeline"]} == {"freeswitch"}
        again = post(server, "freeswitch", FREESWITCH_CDR.read_bytes())
        assert again.status_code == 200 and (again.json()["accepted"], again.json()["duplicate"]) == (0, 5)
        assert detail(server, "5282f87c-368c-43a2-babd-bc63ff12dc79")["event_count"] == 5

    def test_contact_lens_chat_is_scored_with_its_greeting_at_2511_ms(self, server: LiveServer) -> None:
        r = post(server, "connect-contact-lens-postcall", CHAT_POSTCALL.read_bytes())
        assert r.status_code == 202, r.text
        chat = detail(server, "b49644f6-672f-445c-b209-f76b36482830")
        assert chat["status"] == "ended" and chat["event_count"] == 30
        greeting = next(i for i in chat["score"]["items"] if i["id"] == "greeting")
        assert greeting["status"] == "pass" and greeting["evidence"][0]["offset_ms"] == 2511

    def test_contact_event_and_realtime_segments(self, server: LiveServer) -> None:
        event = post(
            server,
            "connect-contact-events",
            (CONNECT / "extracted_eventbridge_contact_event_connected_to_agent.json").read_bytes(),
        )
        assert event.status_code == 202 and event.json()["accepted"] == 2
        assert detail(server, "11111111-1111-1111-1111-111111111111")["answer_wait_seconds"] == 5
        segments = post(server, "connect-contact-lens", (CONNECT / "extracted_rt_segments_SEGMENTS.json").read_bytes())
        assert segments.status_code == 202 and segments.json()["accepted"] == 2
        started = post(server, "connect-contact-lens", (CONNECT / "extracted_rt_segments_STARTED.json").read_bytes())
        assert started.status_code == 200
        assert started.json()["records"] == [
            {"index": 0, "status": "ignored", "events": 0, "reason": "STARTED carries no transcript"}
        ]

    def test_zendesk_signed_webhooks(self, server: LiveServer) -> None:
        r = post_zendesk(server, ZENDESK_CREATED.read_bytes())
        assert r.status_code == 202, r.text
        assert detail(server, "zendesk-35436")["kind"] == "ticket"
        user = post_zendesk(server, ZENDESK_USER.read_bytes())
        assert user.status_code == 200 and user.json()["records"][0]["status"] == "ignored"
        forged = post_zendesk(server, ZENDESK_CREATED.read_bytes(), secret="not-the-secret")
        assert forged.status_code == 401 and "does not match" in forged.json()["detail"]
        replayed = post_zendesk(server, ZENDESK_CREATED.read_bytes(), age=timedelta(days=365))
        assert replayed.status_code == 401 and "CALLQA_SIGNATURE_MAX_AGE_SECONDS" in replayed.json()["detail"]

    def test_freshdesk_created_then_status_changed(self, server: LiveServer) -> None:
        assert post(server, "freshdesk", FRESHDESK_CREATED.read_bytes()).status_code == 202
        assert post(server, "freshdesk", FRESHDESK_STATUS.read_bytes()).status_code == 202
        assert post(server, "freshdesk", FRESHDESK_STATUS.read_bytes()).status_code == 200  # re-delivered
        ticket = detail(server, "freshdesk-11")
        assert ticket["status"] == "waiting on customer" and ticket["event_count"] == 2

    @pytest.mark.parametrize(("source", "name"), NOT_JSON_AS_PUBLISHED)
    def test_samples_not_json_as_published_get_400_with_the_position(
        self, server: LiveServer, source: str, name: str
    ) -> None:
        r = post(server, source, (CONNECT / name).read_bytes())
        assert r.status_code == 400
        assert r.json()["detail"].startswith("body is not valid JSON: ") and "line" in r.json()["detail"]

    def test_twilio_callback_published_one_parameter_per_line_gets_400(self, server: LiveServer) -> None:
        body = TWILIO_AS_PUBLISHED.read_bytes()
        url = f"{server.url}/v1/sources/twilio"
        from urllib.parse import parse_qsl

        sig = twilio.signature(url, parse_qsl(body.decode(), keep_blank_values=True), TOKEN)  # signed as sent
        r = httpx.post(url, content=body, headers={"x-twilio-signature": sig})
        assert r.status_code == 400 and "raw line breaks" in r.json()["detail"]


@needs_data
class TestTwilio:
    def callbacks(self, sid: str) -> list[dict[str, str]]:
        """The published `completed` callback (SequenceNumber 3) and the three Twilio fires before it."""

        def at(second: int) -> str:
            return f"Sun, 25 Mar 2018 09:52:{second:02d} +0000"

        return [
            twilio_params(CallSid=sid, CallStatus="initiated", SequenceNumber="0", Timestamp=at(24), CallDuration="0"),
            twilio_params(CallSid=sid, CallStatus="ringing", SequenceNumber="1", Timestamp=at(24), CallDuration="0"),
            twilio_params(
                CallSid=sid, CallStatus="in-progress", SequenceNumber="2", Timestamp=at(30), CallDuration="0"
            ),
            twilio_params(CallSid=sid),  # completed at 09:53:19 after CallDuration 49
        ]

    def test_out_of_order_callbacks_score_like_in_order_ones(self, server: LiveServer) -> None:
        for params in self.callbacks("CA-in-order"):
            assert post_twilio(server, params, "?agent_id=ann&queue_id=sales").status_code == 202
        for params in reversed(self.callbacks("CA-reversed")):
            assert post_twilio(server, params, "?agent_id=ann&queue_id=sales").status_code in (200, 202)
        a, b = detail(server, "CA-in-order"), detail(server, "CA-reversed")
        assert a["answer_wait_seconds"] == b["answer_wait_seconds"] == 6.0
        assert (
            (a["status"], a["agent_id"], a["queue_id"])
            == (b["status"], b["agent_id"], b["queue_id"])
            == ("ended", "ann", "sales")
        )
        assert [i["status"] for i in a["score"]["items"]] == [i["status"] for i in b["score"]["items"]]
        order = [e["event_id"] for e in a["timeline"]]
        assert order[:3] == ["twilio:CA-in-order:0", "twilio:CA-in-order:1", "twilio:CA-in-order:2"]

    def test_retried_callback_is_a_duplicate(self, server: LiveServer) -> None:
        completed = twilio_params()
        assert post_twilio(server, completed).status_code == 202
        again = post_twilio(server, completed)
        assert again.status_code == 200 and again.json()["duplicate"] == 2

    @pytest.mark.parametrize(
        ("token", "query_signed", "reason"),
        [("another-token", "", "does not match"), (TOKEN, "?agent_id=mallory", "does not match")],
    )
    def test_bad_signature_gets_401(self, server: LiveServer, token: str, query_signed: str, reason: str) -> None:
        params = twilio_params()
        url = f"{server.url}/v1/sources/twilio"
        sig = twilio.signature(url + query_signed, list(params.items()), token)
        r = httpx.post(url, content=twilio_form(params), headers={"x-twilio-signature": sig})
        assert r.status_code == 401 and reason in r.json()["detail"]

    def test_without_a_configured_token_twilio_is_refused(self, start_server: Start) -> None:
        server = start_server()
        r = post_twilio(server, twilio_params())
        assert r.status_code == 401 and "CALLQA_TWILIO_AUTH_TOKEN is not set" in r.json()["detail"]


class TestContactRecords:
    """At least once: only the newest LastUpdateTimestamp per ContactId counts."""

    def test_older_copy_after_a_newer_one_is_stale(self, server: LiveServer) -> None:
        newer = ctr("ctr-a", updated="2026-11-24T09:20:00Z")
        older = ctr("ctr-a", updated="2026-11-24T09:10:00Z", Agent={**newer["Agent"], "ARN": "arn:.../agent/agent-bob"})
        assert post(server, "connect-ctr", json.dumps(newer).encode()).status_code == 202
        r = post(server, "connect-ctr", json.dumps(older).encode())
        assert r.status_code == 200
        note = r.json()["records"][0]
        assert note["status"] == "stale" and "is not newer than 2026-11-24T09:20:00Z" in note["reason"]
        assert detail(server, "ctr-a")["agent_id"] == "agent-ann"
        same = post(server, "connect-ctr", json.dumps(newer).encode())  # the same copy again
        assert same.status_code == 200 and same.json()["records"][0]["status"] == "stale"

    def test_newer_copy_adds_what_the_older_did_not_have(self, server: LiveServer) -> None:
        live = ctr("ctr-b", updated="2026-11-24T09:01:00Z", DisconnectTimestamp=None)
        done = ctr("ctr-b", updated="2026-11-24T09:05:00Z")
        assert post(server, "connect-ctr", json.dumps(live).encode()).json()["accepted"] == 2
        r = post(server, "connect-ctr", json.dumps(done).encode())
        assert r.status_code == 202 and (r.json()["accepted"], r.json()["duplicate"]) == (1, 2)
        call = detail(server, "ctr-b")
        assert (call["status"], call["answer_wait_seconds"], call["team_id"]) == ("ended", 12, "team-blue")

    def test_contact_event_and_record_of_one_contact_share_their_facts(self, server: LiveServer) -> None:
        event = {
            "eventType": "CONNECTED_TO_AGENT",
            "contactId": "ctr-c",
            "channel": "VOICE",
            "queueInfo": {"queueArn": "arn:.../queue/q-billing", "enqueueTimestamp": "2026-11-24T09:00:05.000Z"},
            "agentInfo": {
                "agentArn": "arn:.../agent/agent-ann",
                "connectedToAgentTimestamp": "2026-11-24T09:00:17.000Z",
            },
        }
        assert post(server, "connect-contact-events", json.dumps(event).encode()).json()["accepted"] == 2
        r = post(server, "connect-ctr", json.dumps(ctr("ctr-c")).encode())
        assert (r.json()["accepted"], r.json()["duplicate"]) == (1, 2)
        assert detail(server, "ctr-c")["event_count"] == 3

    def test_holds_talk_time_and_transfer_are_judged_from_the_record(self, server: LiveServer) -> None:
        """Holds only as totals, talk ending at after-contact work, the transfer to the next contact."""
        record = ctr(
            "ctr-held",
            NextContactId="ctr-next",
            Agent={
                **ctr()["Agent"],
                "NumberOfHolds": 2,
                "LongestHoldDuration": 150,
                "CustomerHoldDuration": 170,
                "AfterContactWorkStartTimestamp": "2026-11-24T09:03:50Z",
            },
        )
        r = post(server, "connect-ctr", json.dumps(record).encode())
        assert r.status_code == 202, r.text
        assert r.json()["accepted"] == 9  # offered, answered, 2 holds and their resumes, transfer, talk end, end
        call = detail(server, "ctr-held")
        times = call["score"]["response"]
        assert (times["hold_count"], times["hold_seconds"], times["talk_seconds"]) == (2, 170, 213)
        assert times["transfer_count"] == 1
        hold = next(i for i in call["score"]["items"] if i["id"] == "hold_time")
        assert (hold["status"], hold["detail"]) == ("fail", "1 hold(s) over 120 s (longest 150 s)")
        assert [a["rule"] for a in call["alerts"] if a["rule"] == "hold_exceeded"] == ["hold_exceeded"]
        transfer = next(e for e in call["timeline"] if e["type"] == "call.transferred")
        assert transfer["payload"] == {"to_interaction_id": "ctr-next"}


class TestBadRequests:
    def test_unknown_source_gets_404_naming_the_known_ones(self, server: LiveServer) -> None:
        r = post(server, "genesys-pigeon", b"{}")
        assert r.status_code == 404 and "connect-ctr" in r.json()["detail"]

    @pytest.mark.parametrize(
        ("source", "body", "reason"),
        [
            ("connect-ctr", {"Channel": "VOICE"}, "missing field ContactId"),
            ("freshdesk", {"ticket_id": 1}, "missing field freshdesk_webhook"),
            (
                "freshdesk",
                {"freshdesk_webhook": {"ticket_id": "7", "triggered_event": "{status:{from:4,to:}}"}},
                "triggered_event",
            ),
            (
                "asterisk",
                {"eventtype": "ANSWER", "eventtime": "2026-11-24 09:00:00", "uniqueid": "1.2", "linkedid": "1.1"},
                "no UTC offset",
            ),
        ],
    )
    def test_unmappable_payload_gets_422_with_the_reason(
        self, server: LiveServer, source: str, body: Any, reason: str
    ) -> None:
        r = post(server, source, json.dumps(body).encode())
        assert r.status_code == 422 and reason in r.json()["detail"]

    def test_mapped_event_the_contract_rejects_gets_422_naming_the_field(self, server: LiveServer) -> None:
        future = ctr("ctr-future", DisconnectTimestamp="2999-01-01T00:00:00Z")
        r = post(server, "connect-ctr", json.dumps(future).encode())
        assert r.status_code == 207 and r.json()["rejected"] == 1
        assert "occurred_at" in r.json()["detail"] and "future" in r.json()["detail"]

    @pytest.mark.parametrize(("source", "record", "reason"), REGRESSIONS[::3], ids=lambda v: str(v)[:30])
    def test_mutated_records_get_4xx_naming_the_field_never_5xx(
        self, server: LiveServer, source: str, record: dict[str, Any], reason: str
    ) -> None:
        if source == "twilio":
            r = post_twilio(server, record)
        elif source == "zendesk":
            r = post_zendesk(server, json.dumps(record).encode())
        else:
            r = post(server, source, json.dumps(record).encode())
        assert r.status_code == 422, r.text
        # The shared decoder (NUL, surrogates, 64-bit numbers) or the adapter refuses it: either names the field.
        field = reason.split()[0]
        detail = r.json()["detail"]
        assert reason in detail or field.replace("[", ".").replace("]", "") + ":" in detail, detail

    @pytest.mark.parametrize(
        ("source", "body", "status", "reason"),
        [
            ("connect-ctr", json.dumps(ctr(ContactId="c\udc80")).encode(), 422, "ContactId: contains a lone surrogate"),
            (
                "connect-ctr",
                json.dumps(ctr(DisconnectReason="a\x00b")).encode(),
                422,
                "DisconnectReason: contains a NUL",
            ),
            ("connect-ctr", b"[" * 5000 + b"]" * 5000, 400, "nested too deep"),
            ("freeswitch", b'{"variables": {"uuid": ' + b"9" * 5000 + b"}}", 422, "does not fit 64 bits"),
        ],
    )
    def test_bodies_no_adapter_can_take_get_4xx_with_the_reason(
        self, server: LiveServer, source: str, body: bytes, status: int, reason: str
    ) -> None:
        r = post(server, source, body)
        assert r.status_code == status, r.text
        assert reason in r.json()["detail"]

    def test_unsigned_sources_need_an_ingest_key(self, server: LiveServer) -> None:
        r = httpx.post(f"{server.url}/v1/sources/connect-ctr", content=json.dumps(ctr()).encode())
        assert r.status_code == 401 and "API key" in r.json()["detail"]
