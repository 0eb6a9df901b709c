"""Bad input over real HTTP, on SQLite and PostgreSQL: every one gets a 4xx naming what is wrong, never a 500;
the good events of a batch are kept; bodies of strangers are not read, oversized ones are cut at the cap, and
slow connections are closed."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.api.raw_http import Answer, Connection
from tests.api.wire import event
from tests.conftest import LiveServer
from tests.vendor_samples import ctr

Start = Callable[..., LiveServer]
JSON = {"content-type": "application/json"}


def utterance(n: int, **payload: Any) -> dict[str, Any]:
    body = {"speaker": "agent", "text": f"line {n}", "offset_ms": 1000 * n, **payload}
    return event("c-batch", n, "call.utterance", 10 + n, body)


# Each bad event of the batch (as JSON text: some cannot be written by json.dumps) and the field its error names.
BAD_EVENTS = [
    (json.dumps(utterance(90, text="nul \u0000 in the text")), "payload.text"),
    (json.dumps(utterance(91)).replace('"c-batch-91"', '"\\ud800"'), "event_id"),
    (json.dumps(utterance(92)).replace('"offset_ms": 92000', '"offset_ms": ' + "9" * 5000), "payload.offset_ms"),
    (json.dumps(utterance(93)).replace('"offset_ms": 93000', '"offset_ms": NaN'), "payload.offset_ms"),
    (json.dumps(utterance(94, offset_ms=1e30)), "payload.offset_ms"),
    (json.dumps(utterance(95, seq=2**64)), "payload.seq"),
    (
        json.dumps(utterance(96, words=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])),
        "payload.words",
    ),
    (json.dumps({**utterance(97), "interaction_id": "calls/97"}), "interaction_id"),
    (json.dumps({**utterance(98), "interaction_id": ".."}), "interaction_id"),
    (json.dumps({**utterance(99), "occurred_at": "0001-01-01T00:00:00+05:00"}), "occurred_at"),
    (json.dumps({**utterance(100), "agent_id": "a\u0000"}), "agent_id"),
]


def test_a_batch_keeps_its_good_events_and_names_the_field_of_each_bad_one(api: httpx.Client) -> None:
    good = [json.dumps(utterance(n)) for n in range(50 - len(BAD_EVENTS))]
    body = '{"events": [' + ", ".join([*good, *(text for text, _ in BAD_EVENTS)]) + "]}"
    r = api.post("/v1/events", content=body.encode("utf-8", "surrogatepass"), headers=JSON)
    assert r.status_code == 207, r.text
    assert (r.json()["accepted"], r.json()["rejected"]) == (len(good), len(BAD_EVENTS))
    rejected = r.json()["results"][len(good) :]
    fields = [res["errors"][0]["field"] for res in rejected]
    assert [f.split(".0")[0] for f in fields] == [field for _, field in BAD_EVENTS]  # payload.words.0.0...: as deep
    assert rejected[1]["event_id"] is None  # not echoed: a lone surrogate cannot be encoded
    assert "NUL" in rejected[0]["errors"][0]["message"] and "64 bits" in rejected[2]["errors"][0]["message"]
    assert api.get("/v1/interactions/c-batch").json()["event_count"] == len(good)


def test_bodies_no_parser_can_take_are_refused_whole(api: httpx.Client) -> None:
    deep = b'{"events": [' + b"[" * 2000 + b"]" * 2000 + b"]}"
    r = api.post("/v1/events", content=deep, headers=JSON)
    assert r.status_code == 400 and "nested too deeply" in r.json()["detail"]
    r = api.post("/v1/sources/connect-ctr", content=b"[" * 2000 + b"]" * 2000, headers=JSON)
    assert r.status_code == 400 and "nested too deeply" in r.json()["detail"]
    single = json.dumps(utterance(1)).replace('"offset_ms": 1000', '"offset_ms": ' + "1" * 5000)
    r = api.post("/v1/events", content=single, headers=JSON)
    assert r.status_code == 422 and r.json()["detail"].startswith("event rejected: payload.offset_ms: integer of")


def test_source_records_are_held_to_the_same_text_rules(api: httpx.Client) -> None:
    nul = ctr("ctr-nul", Agent={"Username": "ann\u0000"})
    r = api.post("/v1/sources/connect-ctr", content=json.dumps([ctr("ctr-ok"), nul]), headers=JSON)
    assert r.status_code == 207, r.text
    assert r.json()["records"][1]["status"] == "unmappable"
    assert r.json()["records"][1]["reason"] == "Agent.Username: contains a NUL character, which cannot be stored"
    assert api.get("/v1/interactions/ctr-ok").status_code == 200


# (method, url, field the 422 names): each of these answered 500 on one database or the other.
BAD_PARAMETERS = [
    ("GET", "/v1/interactions/%00", "interaction_id"),
    ("GET", "/v1/interactions?offset=9223372036854775808", "offset"),
    ("GET", "/v1/interactions?agent_id=%00", "agent_id"),
    ("GET", "/v1/interactions?from=0001-01-01T00:00:00%2B05:00", "from"),
    ("GET", "/v1/interactions/live?limit=100000", "limit"),
    ("GET", "/v1/alerts?offset=9223372036854775808", "offset"),
    ("GET", "/v1/alerts?to=9999-12-31T23:59:59-05:00", "to"),
    ("GET", "/v1/alerts?rule=%00", "rule"),
    ("GET", "/v1/alerts/99999999999999999999", "alert_id"),
    ("POST", "/v1/alerts/99999999999999999999/ack", "alert_id"),
    ("DELETE", "/v1/keys/99999999999999999999", "ident"),
    ("DELETE", "/v1/keys/%C2%B2", "ident"),
    ("GET", "/v1/agents/%00/scorecard", "subject_id"),
    ("GET", "/v1/agents/a-1/scorecard?to=0001-01-01T00:00:00Z", "to"),
    ("GET", "/v1/standards/%00", "version"),
]


def test_bad_path_query_and_header_values_get_422_naming_them(api: httpx.Client) -> None:
    got = {(m, url): api.request(m, url) for m, url, _ in BAD_PARAMETERS}
    named = {(m, url): [e["field"] for e in got[m, url].json().get("errors", [])] for m, url, _ in BAD_PARAMETERS}
    assert {k: r.status_code for k, r in got.items()} == {(m, url): 422 for m, url, _ in BAD_PARAMETERS}
    assert named == {(m, url): [field] for m, url, field in BAD_PARAMETERS}
    # Bodies and headers
    r = api.post("/v1/keys", json={"name": "ops\u0000", "scopes": ["ingest"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"
    r = api.post("/v1/alerts/1/ack", json={"note": "\u0000"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    r = api.get("/v1/alerts/stream", headers={"Last-Event-ID": b"\xb2"})  # '²' in Latin-1: isdigit() but no int
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "last-event-id"
    # In range but absent: found nowhere, without overflowing a driver
    assert api.delete("/v1/keys/2147483648").status_code == 404
    assert api.get("/v1/alerts/2147483647").status_code == 404


def declare_length(server: LiveServer, headers: dict[str, str]) -> Answer:
    """POST /v1/events declaring 400 MB: answered before a byte of the body is sent."""
    conn = Connection(server.url)
    conn.start("POST", "/v1/events", {"content-length": "400000000", **JSON, **headers})
    answer = conn.answer()
    conn.close()
    return answer


def test_unauthenticated_bodies_are_refused_before_they_are_read(start_server: Start) -> None:
    server = start_server(twilio_auth_token="secret")
    for target in ("/v1/events", "/v1/sources/connect-ctr", "/v1/sources/twilio"):
        conn = Connection(server.url)
        conn.start("POST", target, {"transfer-encoding": "chunked", "content-type": "application/json"})
        sent = conn.stream_until_answered(b"[" * 65536, give_up_after=400_000_000)
        answer = conn.answer()
        conn.close()
        assert answer.status == 401, (target, answer)
        assert sent < 400_000_000, f"{target}: the server read the whole body before answering"
    # A declared length over the cap without a key is a stranger too
    assert declare_length(server, {}).status == 401


def test_an_endless_body_is_cut_at_the_cap(start_server: Start) -> None:
    server = start_server(max_body_bytes=65536)
    for target in ("/v1/events", "/v1/sources/connect-ctr"):
        conn = Connection(server.url)
        headers = {"transfer-encoding": "chunked", "content-type": "application/json", **server.auth(server.admin_key)}
        conn.start("POST", target, headers)
        sent = conn.stream_until_answered(b" " * 16384, give_up_after=400_000_000)
        answer = conn.answer()
        conn.close()
        assert answer.status == 413 and b"the limit" in answer.body, (target, answer)
        assert answer.headers["connection"] == "close" and sent < 400_000_000
    declared = declare_length(server, server.auth(server.admin_key))
    assert declared.status == 413 and b"400000000 bytes; the limit is 65536" in declared.body


def test_records_per_source_request_are_capped(start_server: Start) -> None:
    api = start_server(max_source_records=3).client
    r = api.post("/v1/sources/connect-ctr", json=[ctr(f"ctr-{i}") for i in range(4)])
    assert r.status_code == 413 and r.json()["detail"] == "body holds 4 records; the limit is 3"
    assert api.post("/v1/sources/connect-ctr", json=[ctr(f"ctr-{i}") for i in range(3)]).status_code == 202


# Connection handling does not depend on the database.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
def test_slow_and_endless_request_heads_are_cut(start_server: Start) -> None:
    server = start_server(header_timeout_seconds=0.5)
    assert Connection(server.url).trickle_until_closed(b"") == b""  # connected, said nothing
    slow = Connection(server.url).trickle_until_closed(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 500)
    assert slow.startswith(b"HTTP/1.1 408 ")
    endless = Connection(server.url)
    endless.send_raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 100_000)
    assert endless.raw_until_closed().startswith(b"HTTP/1.1 431 ")
    # after a response, the next head is awaited the same way
    kept = Connection(server.url)
    kept.start("GET", "/healthz", {})
    assert kept.answer().status == 200
    assert kept.trickle_until_closed(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 500).startswith(
        b"HTTP/1.1 408 "
    )


@sqlite_only
def test_a_slow_body_is_cut(start_server: Start) -> None:
    server = start_server(body_timeout_seconds=0.5)
    conn = Connection(server.url)
    conn.start("POST", "/v1/events", {"content-length": "100", **JSON, **server.auth(server.admin_key)})
    answered = conn.trickle_until_closed(b'{"events": [', every=0.2)
    assert answered.startswith(b"HTTP/1.1 408 ") and b"body not received within 0.5 seconds" in answered
