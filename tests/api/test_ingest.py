"""POST /v1/events over real HTTP, on SQLite and PostgreSQL: accepted, duplicate, rejected, batches, limits."""

from typing import Any

import httpx
import pytest

from tests.api.wire import GOOD_CALL, RUDE_CALL, at, call, event


def post(api: httpx.Client, body: Any) -> httpx.Response:
    return api.post("/v1/events", json=body)


def test_good_call_is_scored_with_evidence_and_passes(api: httpx.Client) -> None:
    r = post(api, {"events": call("c-good", turns=GOOD_CALL, hold_after_turn=3)})
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == len(call("c-good", turns=GOOD_CALL, hold_after_turn=3))

    detail = api.get("/v1/interactions/c-good").json()
    assert detail["status"] == "ended" and detail["final"] is True
    assert detail["standard_version"] == "2026.12.2-default"
    assert detail["passed"] is True and detail["quality_score"] == 100
    items = {i["id"]: i for i in detail["score"]["items"]}
    assert {k: items[k]["status"] for k in ("greeting", "self_identification", "empathy_when_upset")} == {
        "greeting": "pass",
        "self_identification": "pass",
        "empathy_when_upset": "pass",
    }
    assert items["ask_before_hold"]["status"] == "pass"
    assert items["offer_further_help"]["status"] == "pass" and items["closing"]["status"] == "pass"
    greeting = items["greeting"]["evidence"][0]
    assert greeting["event_id"] == "c-good-10" and greeting["matched_text"] == "Hello"
    assert greeting["offset_ms"] == 1000
    assert [e["type"] for e in detail["timeline"]][:2] == ["call.offered", "call.answered"]
    assert detail["alerts"] == []


def test_rude_call_raises_alerts_while_live_and_fails_at_the_end(api: httpx.Client) -> None:
    live = call("c-rude", answered=30, turns=RUDE_CALL, ended=None)
    r = post(api, {"events": live})
    assert r.status_code == 202
    rules = {a["rule"] for a in r.json()["alerts"]}
    assert {"forbidden_phrase", "answer_wait_exceeded", "customer_sentiment_low"} <= rules

    detail = api.get("/v1/interactions/c-rude").json()
    assert detail["final"] is False and detail["passed"] is False and detail["critical_failure"] is True
    forbidden = next(i for i in detail["score"]["items"] if i["id"] == "no_forbidden_phrases")
    assert {e["matched_text"] for e in forbidden["evidence"]} == {"Calm down", "not my problem"}

    r = post(api, event("c-rude", 99, "call.ended", 120))
    assert r.status_code == 202
    assert {a["rule"] for a in r.json()["alerts"]} >= {"critical_item_failed", "required_phrase_missed"}
    alerts = api.get("/v1/alerts", params={"interaction_id": "c-rude"}).json()
    subjects = [(a["rule"], a["message"].split(":")[0]) for a in alerts["items"]]
    assert len(subjects) == len(set(subjects)), "one alert per rule and item"
    assert ("required_phrase_missed", "greeting") in subjects and (
        "required_phrase_missed",
        "offer_further_help",
    ) in subjects
    rescored = post(
        api, event("c-rude", 98, "call.utterance", 100, {"speaker": "customer", "text": "bye", "offset_ms": 60000})
    )
    assert rescored.status_code == 202 and rescored.json()["alerts"] == []
    evidence = next(a for a in alerts["items"] if a["rule"] == "forbidden_phrase")["evidence"]
    assert evidence[0]["matched_text"] == "Calm down" and evidence[0]["event_id"] == "c-rude-12"


def test_same_event_id_twice_is_stored_once(api: httpx.Client) -> None:
    e = event("c-dup", 0, "call.offered", 0, queue_id="billing")
    assert post(api, e).status_code == 202
    again = post(api, e)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    batch = post(api, {"events": [e, e]}).json()
    assert [x["status"] for x in batch["results"]] == ["duplicate", "duplicate"]
    assert api.get("/v1/interactions/c-dup").json()["event_count"] == 1


def test_out_of_order_events_score_the_same_as_in_order(api: httpx.Client) -> None:
    in_order = call("c-order", turns=GOOD_CALL)
    shuffled = [
        {**e, "event_id": e["event_id"].replace("c-order", "c-shuf"), "interaction_id": "c-shuf"}
        for e in reversed(in_order)
    ]
    assert post(api, {"events": in_order}).status_code == 202
    for e in shuffled:  # one request each, newest first
        assert post(api, e).status_code == 202
    a = api.get("/v1/interactions/c-order").json()
    b = api.get("/v1/interactions/c-shuf").json()
    assert (a["quality_score"], a["passed"], a["answer_wait_seconds"]) == (
        b["quality_score"],
        b["passed"],
        b["answer_wait_seconds"],
    )
    assert [i["status"] for i in a["score"]["items"]] == [i["status"] for i in b["score"]["items"]]


def test_malformed_event_gets_422_naming_each_field(api: httpx.Client) -> None:
    bad = {
        "event_id": "bad-1",
        "type": "call.utterance",
        "occurred_at": "2026-11-24T09:00:00",  # no offset
        "interaction_id": "c-bad",
        "payload": {"speaker": "robot", "offset_ms": -5, "text": "hi"},
        "unknown_field": "ignored",
    }
    r = post(api, bad)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"occurred_at", "payload.speaker", "payload.offset_ms"}
    assert "occurred_at" in r.json()["detail"]
    assert api.get("/v1/interactions/c-bad").status_code == 404


def test_batch_keeps_good_events_and_reports_bad_ones(api: httpx.Client) -> None:
    good = call("c-mixed", turns=GOOD_CALL[:2], ended=None)
    bad = {**good[0], "event_id": "c-mixed-bad", "type": "call.exploded"}
    r = post(api, {"events": [*good, bad]})
    assert r.status_code == 207
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (len(good), 1)
    assert body["results"][-1]["status"] == "rejected" and body["results"][-1]["errors"][0]["field"] == "type"
    assert api.get("/v1/interactions/c-mixed").json()["event_count"] == len(good)

    all_bad = post(api, {"events": [bad, {**bad, "event_id": "c-mixed-bad2"}]})
    assert all_bad.status_code == 422 and all_bad.json()["rejected"] == 2


def test_answer_hours_before_offer_is_rejected_with_reason(api: httpx.Client) -> None:
    assert post(api, event("c-time", 0, "call.offered", 10_000)).status_code == 202
    r = post(api, event("c-time", 1, "call.answered", 0))
    assert r.status_code == 422
    assert "before call.offered" in r.json()["detail"]
    assert api.get("/v1/interactions/c-time").json()["event_count"] == 1


def test_ticket_event_cannot_join_a_call(api: httpx.Client) -> None:
    assert post(api, event("c-kind", 0, "call.offered", 0)).status_code == 202
    r = post(api, event("c-kind", 1, "ticket.replied", 5, {"author": "agent", "text": "hi"}))
    assert r.status_code == 422 and "is a call" in r.json()["detail"]


def test_future_timestamp_is_rejected(api: httpx.Client) -> None:
    r = post(api, {**event("c-future", 0, "call.offered", 0), "occurred_at": "2999-01-01T00:00:00+00:00"})
    assert r.status_code == 422 and "future" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "event object"),
        (b'{"events": []}', 400, "empty"),
        (b'{"events": {}}', 400, "list"),
    ],
)
def test_unusable_bodies(api: httpx.Client, body: bytes, status: int, needle: str) -> None:
    r = api.post("/v1/events", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status and needle in r.json()["detail"]


def test_limits_on_text_batch_and_body(start_server) -> None:  # type: ignore[no-untyped-def]
    api = start_server(max_text_chars=50, max_batch_events=3, max_body_bytes=4096).client
    long_text = event("c-lim", 1, "call.utterance", 1, {"speaker": "agent", "text": "x" * 51, "offset_ms": 0})
    r = post(api, long_text)
    assert r.status_code == 422 and "limit is 50" in r.json()["detail"]
    r = post(api, {"events": [event("c-lim", i, "call.offered", 0) for i in range(4)]})
    assert r.status_code == 413 and "limit is 3" in r.json()["detail"]
    r = api.post("/v1/events", content=b"{" + b" " * 5000 + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_chinese_call_is_scored_with_the_chinese_phrase_pack(api: httpx.Client) -> None:
    turns = [
        ("agent", "您好，这里是客服中心，我是工号1024的小王。"),
        ("customer", "你们的服务太差了！"),
        ("agent", "非常抱歉给您带来不便，请稍等，我帮您查一下。"),
        ("agent", "已经帮您处理好了。请问还有什么可以帮您？"),
        ("agent", "感谢您的来电，再见！"),
    ]
    assert post(api, {"events": call("c-zh", turns=turns)}).status_code == 202
    items = {i["id"]: i for i in api.get("/v1/interactions/c-zh").json()["score"]["items"]}
    assert items["greeting"]["evidence"][0]["matched_text"] == "您好"
    assert items["self_identification"]["status"] == "pass"
    assert items["offer_further_help"]["evidence"][0]["matched_text"] == "还有什么可以帮您"
    assert items["closing"]["status"] == "pass"


def test_complaint_ticket_first_reply_deadline(api: httpx.Client) -> None:
    created = event("t-1", 0, "ticket.created", 0, {"complaint_level": 1, "channel": "email"}, queue_id="complaints")
    reply = event("t-1", 1, "ticket.replied", 3 * 3600, {"author": "agent", "text": "Sorry. Kind regards, Ann"})
    r = post(api, {"events": [created, reply]})
    assert r.status_code == 202
    assert [a["rule"] for a in r.json()["alerts"]] == ["ticket_first_reply_overdue"]
    detail = api.get("/v1/interactions/t-1").json()
    assert detail["first_reply_seconds"] == 3 * 3600
    first = next(i for i in detail["score"]["items"] if i["id"] == "first_reply_time")
    assert first["status"] == "fail" and "7200" in first["detail"]
    assert at(0) < at(1)
