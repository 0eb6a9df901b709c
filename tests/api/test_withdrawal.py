"""Alerts never contradict the score: events posted one by one in shuffled order (as lagging transcripts and
out-of-order senders deliver them), and at the end no open alert disagrees with the final score. A finding that
later evidence cleared is withdrawn: resolved by callqa with the reason, kept in the alert's history."""

import random
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.api.wire import BASE, GOOD_CALL, RUDE_CALL, call, event
from tests.clock import TestClock

TRIALS = 15


def _unresolved_contradictions(api: httpx.Client, cid: str) -> tuple[list[str], list[dict[str, Any]]]:
    detail = api.get(f"/v1/interactions/{cid}").json()
    assert detail["final"] is True
    status = {i["id"]: i["status"] for i in detail["score"]["items"]}
    alerts = api.get("/v1/alerts", params={"interaction_id": cid, "limit": 200}).json()["items"]
    wrong = []
    for a in alerts:
        if a["state"] == "resolved":
            continue
        if a["rule"] in ("critical_item_failed", "quality_below_pass_mark"):
            if detail["passed"] is not False:
                wrong.append(f"{a['rule']} open on a call that passed")
            continue
        item = "customer_sentiment" if a["rule"] == "customer_sentiment_low" else a["message"].split(":")[0]
        if status.get(item) != "fail":
            wrong.append(f"{a['rule']} about {item} open, final score says {status.get(item)}")
    return wrong, alerts


@pytest.mark.parametrize("turns", [GOOD_CALL, RUDE_CALL], ids=["good", "rude"])
def test_shuffled_arrival_ends_with_no_contradicting_open_alert(start_server: Any, turns: list) -> None:
    # The clock stands just after the call, as for a live sender whose events arrive late and out of order.
    api = start_server(clock=TestClock(BASE + timedelta(seconds=301))).client
    withdrawn = 0
    for trial in range(TRIALS):
        cid = f"shuffle-{trial}"
        events = call(cid, turns=turns, hold_after_turn=3)
        random.Random(trial).shuffle(events)
        for e in events:
            assert api.post("/v1/events", json=e).status_code == 202
        wrong, alerts = _unresolved_contradictions(api, cid)
        assert wrong == [], f"trial {trial}: {wrong}"
        for a in alerts:
            if a["state"] == "resolved":
                one = api.get(f"/v1/alerts/{a['id']}").json()
                assert one["resolved_by"] == "callqa"
                assert one["history"][-1]["to_state"] == "resolved"
                assert one["history"][-1]["note"].startswith("withdrawn: later evidence cleared it:")
                withdrawn += 1
    assert withdrawn > 0, "shuffled arrival raised findings that later evidence cleared"


def test_a_greeting_that_arrives_late_withdraws_the_alert(start_server: Any) -> None:
    api = start_server(clock=TestClock(BASE + timedelta(seconds=301))).client
    events = call("late-greeting", turns=GOOD_CALL)
    greeting = next(e for e in events if e["event_id"] == "late-greeting-10")
    first = [e for e in events if e is not greeting]
    assert api.post("/v1/events", json={"events": first}).status_code == 202
    missed = api.get("/v1/alerts", params={"interaction_id": "late-greeting", "rule": "required_phrase_missed"})
    greeting_alert = next(a for a in missed.json()["items"] if a["message"].startswith("greeting:"))
    assert greeting_alert["state"] == "open"

    assert api.post("/v1/events", json=greeting).status_code == 202
    after = api.get(f"/v1/alerts/{greeting_alert['id']}").json()
    assert (after["state"], after["resolved_by"]) == ("resolved", "callqa")
    assert after["history"][-1]["note"].startswith("withdrawn: later evidence cleared it: greeting is now pass")
    detail = api.get("/v1/interactions/late-greeting").json()
    assert detail["passed"] is True


def test_a_withdrawn_alert_whose_breach_comes_back_is_reopened(start_server: Any) -> None:
    # A live call, judged 400 s in: a hold with no end yet is over the 120 s limit; its end, arriving late, clears
    # it (the alert is withdrawn); a second hold then runs over the limit: the same finding, open again.
    api = start_server(clock=TestClock(BASE + timedelta(seconds=400))).client
    events = call("reopen", turns=GOOD_CALL, hold_after_turn=1, ended=None)
    resumed = next(e for e in events if e["type"] == "call.resumed")
    assert api.post("/v1/events", json={"events": [e for e in events if e is not resumed]}).status_code == 202
    hold = api.get("/v1/alerts", params={"interaction_id": "reopen", "rule": "hold_exceeded"}).json()["items"][0]
    assert (hold["state"], hold["message"][:10]) == ("open", "hold_time:")

    assert api.post("/v1/events", json=resumed).status_code == 202
    assert api.get(f"/v1/alerts/{hold['id']}").json()["state"] == "resolved"

    answer = api.post("/v1/events", json=event("reopen", 92, "call.hold", 200)).json()
    assert hold["id"] in [a["id"] for a in answer.get("alerts", [])], answer
    again = api.get(f"/v1/alerts/{hold['id']}").json()
    assert (again["state"], again["resolved_by"]) == ("open", None)
    states = [(h["from_state"], h["to_state"]) for h in again["history"]]
    assert states == [(None, "open"), ("open", "resolved"), ("resolved", "open")]
    assert again["history"][-1]["note"].startswith("reopened: the breach is back: hold_time:")
    # The breach as it is now: the second hold (200 s and counting on the test clock), not the first one's 385 s.
    assert again["message"].startswith("hold_time: 1 hold(s) over 120 s (longest 2"), again["message"]
    alerts = api.get("/v1/alerts", params={"interaction_id": "reopen", "rule": "hold_exceeded"}).json()["items"]
    assert [a["id"] for a in alerts] == [hold["id"]], "one alert for one finding, reopened, not a second one"
