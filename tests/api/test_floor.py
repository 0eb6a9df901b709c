"""The console's floor figures over real HTTP on SQLite and PostgreSQL, at an injected clock: queue tiles
(waiting, oldest wait, speed of answer, handle time, agents on contacts, the minimum sample), the agent table,
stale live calls, trends over the shift, and the score item an alert is about."""

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from tests.api.wire import BASE, GOOD_CALL, RUDE_CALL, call, event
from tests.clock import TestClock
from tests.conftest import LiveServer

NOW = BASE + timedelta(minutes=10)


def _stale_call() -> list[dict[str, object]]:
    """Answered two hours ago, never ended, silent since: its call.ended was lost."""
    return [
        event("f-4", 0, "call.offered", -7200, queue_id="billing", team_id="t-1"),
        event("f-4", 1, "call.answered", -7190, agent_id="cat", team_id="t-1", queue_id="billing"),
    ]


@pytest.fixture
def floor(start_server: Callable[..., LiveServer]) -> httpx.Client:
    api = start_server(clock=TestClock(NOW)).client
    loads = (
        call("f-1", answered=5, ended=300, turns=GOOD_CALL, agent="ann", queue="billing"),
        call("f-2", answered=15, ended=None, turns=GOOD_CALL[:2], agent="bob", queue="billing"),
        call("f-3", answered=None, ended=None, queue="billing"),  # still waiting in the queue
        _stale_call(),
        call("f-5", answered=5, ended=200, turns=RUDE_CALL, agent="ann", queue="sales"),
    )
    for events in loads:
        assert api.post("/v1/events", json={"events": events}).status_code == 202
    return api


def test_queue_tiles(floor: httpx.Client) -> None:
    body = floor.get("/v1/queues/live").json()
    assert body["min_offered"] == 5 and body["stale_after_seconds"] == 1800
    billing = next(q for q in body["items"] if q["queue_id"] == "billing")
    assert billing["waiting"] == 1
    # The clock runs on at the real rate from NOW: the caller has waited at least ten minutes.
    assert 600 <= billing["oldest_waiting_seconds"] < 700
    assert billing["average_speed_of_answer_seconds"] == pytest.approx(10)  # f-1 5 s, f-2 15 s
    assert billing["average_handle_seconds"] == pytest.approx(295)  # f-1: answered at 5 s, ended at 300 s
    assert billing["agents_on_contacts"] == 1  # bob; cat's call is stale
    assert billing["stale_calls"] == 1
    assert billing["offered"] < body["min_offered"]  # too few calls for the console to colour the tile


def test_live_calls_flag_stale_and_give_queued_calls_no_quality(floor: httpx.Client) -> None:
    items = {c["id"]: c for c in floor.get("/v1/interactions/live").json()["items"]}
    assert items["f-3"]["status"] == "queued" and items["f-3"]["quality_score"] is None
    assert items["f-4"]["stale"] is True and items["f-4"]["last_event_at"].startswith("2026-11-24T07:00:10")
    assert items["f-2"]["stale"] is False and items["f-2"]["quality_score"] is not None


def test_agent_table(floor: httpx.Client) -> None:
    body = floor.get("/v1/agents/live", params={"from": BASE.isoformat()}).json()
    agents = {a["agent_id"]: a for a in body["items"]}
    assert agents["bob"]["state"] == "talking" and agents["bob"]["current_interaction_id"] == "f-2"
    assert agents["bob"]["current_queue_id"] == "billing" and agents["bob"]["seconds_in_state"] >= 585
    ann = agents["ann"]
    assert ann["state"] == "idle" and ann["current_interaction_id"] is None and ann["handled"] == 2
    assert ann["state_since"].startswith("2026-11-24T09:05:00") and ann["average_quality"] is not None
    assert ann["average_customer_sentiment"] is not None
    assert agents["cat"]["state"] == "idle" and agents["cat"]["stale_calls"] == 1
    assert agents["cat"]["handled"] == 0  # started before `from`
    future = floor.get("/v1/agents/live", params={"from": (NOW + timedelta(days=1)).isoformat()})
    assert future.status_code == 422 and "from" in future.json()["detail"]


def test_trends(floor: httpx.Client) -> None:
    span = {"from": (BASE - timedelta(hours=1)).isoformat(), "to": (BASE + timedelta(hours=1)).isoformat()}
    body = floor.get("/v1/trends", params={**span, "bucket_seconds": 900}).json()
    assert len(body["buckets"]) == 8 and body["targets"]["service_level"] == 0.8
    assert body["targets"]["compliance_rate"] == 0.98
    at_base = body["buckets"][4]
    assert at_base["start"].startswith("2026-11-24T09:00:00") and at_base["interactions"] == 4
    assert at_base["compliance_rate"] is not None and 0 < at_base["compliance_rate"] < 1
    assert all(b["interactions"] == 0 and b["service_level"] is None for b in body["buckets"][:4])
    sales = floor.get("/v1/trends", params={**span, "queue_id": "sales"}).json()
    assert sum(b["interactions"] for b in sales["buckets"]) == 1
    tiny = floor.get("/v1/trends", params={**span, "bucket_seconds": 60 * 1})
    assert tiny.status_code == 200
    week = {"from": (BASE - timedelta(days=7)).isoformat(), "to": BASE.isoformat(), "bucket_seconds": 60}
    too_many = floor.get("/v1/trends", params=week)
    assert too_many.status_code == 422 and "bucket_seconds" in too_many.json()["detail"]
    reversed_ = floor.get("/v1/trends", params={"from": span["to"], "to": span["from"]})
    assert reversed_.status_code == 422


def test_alerts_name_their_item(floor: httpx.Client) -> None:
    alerts = floor.get("/v1/alerts", params={"interaction_id": "f-5"}).json()["items"]
    by_rule = {a["rule"]: a for a in alerts}
    assert by_rule["forbidden_phrase"]["item"] == "no_forbidden_phrases"
    one = floor.get(f"/v1/alerts/{by_rule['forbidden_phrase']['id']}").json()
    assert one["item"] == "no_forbidden_phrases"
