"""What the console reads beyond the review loop's own API, over real HTTP on SQLite and PostgreSQL: a case says
where it may go next, cases are found by the alert or interaction they link, an interaction's survey answers and
contact reason come with its first-contact resolution, and every KPI node says which standard version judged it."""

from collections.abc import Callable
from typing import Any

import httpx

from tests.api.wire import GOOD_CALL, RUDE_CALL, call, event
from tests.clock import TestClock
from tests.conftest import LiveServer

DAY = {"from": "2026-11-24T00:00:00Z", "to": "2026-11-25T00:00:00Z"}


def _post(api: httpx.Client, *events: dict[str, Any]) -> None:
    answer = api.post("/v1/events", json={"events": list(events)})
    assert answer.status_code == 202, answer.text


def test_case_next_statuses_and_cases_by_link(api: httpx.Client) -> None:
    _post(api, *call("c-1", turns=RUDE_CALL, agent="a-1", team="t-1"))
    _post(api, *call("c-2", turns=GOOD_CALL, agent="a-2", team="t-1"))
    alert = api.get("/v1/alerts", params={"interaction_id": "c-1"}).json()["items"][0]
    opened = api.post("/v1/reviews", json={"alert_id": alert["id"]})
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["next_statuses"] == ["investigating"]
    moved = api.post(f"/v1/reviews/{case['id']}/status", json={"status": "investigating"}).json()
    assert moved["next_statuses"] == ["action_planned", "closed"]
    listed = api.get("/v1/reviews").json()["items"]
    assert listed[0]["next_statuses"] == ["action_planned", "closed"]

    by_alert = api.get("/v1/reviews", params={"alert_id": alert["id"]}).json()["items"]
    assert [c["id"] for c in by_alert] == [case["id"]]
    assert [c["id"] for c in api.get("/v1/reviews", params={"interaction_id": "c-1"}).json()["items"]] == [case["id"]]
    assert api.get("/v1/reviews", params={"interaction_id": "c-2"}).json()["items"] == []
    # Another interaction added to the case is found by it too
    assert api.post(f"/v1/reviews/{case['id']}/links", json={"interaction_id": "c-2"}).status_code == 200
    assert [c["id"] for c in api.get("/v1/reviews", params={"interaction_id": "c-2"}).json()["items"]] == [case["id"]]
    assert api.get("/v1/reviews", params={"alert_id": 0}).status_code == 422


def test_interaction_outcomes_with_first_contact_resolution(start_server: Callable[..., LiveServer]) -> None:
    clock = TestClock()
    api = start_server(clock=clock).client
    _post(api, *call("o-1", turns=GOOD_CALL, agent="ann", team="blue"))
    _post(api, *call("o-2", turns=GOOD_CALL, agent="bob", team="blue"))
    assert api.get("/v1/interactions/o-1/outcomes").json() == {
        "interaction_id": "o-1",
        "standard_version": api.get("/v1/interactions/o-1").json()["standard_version"],
        "surveys": [],
        "contact": None,
    }
    _post(
        api,
        event("o-1", 200, "survey.answered", 600, {"csat": 4, "nps": 9}),
        event("o-1", 201, "contact.reason", 1, {"customer_id": "cust-1", "reason": "billing"}),
    )
    body = api.get("/v1/interactions/o-1/outcomes").json()
    assert [(s["csat"], s["nps"]) for s in body["surveys"]] == [(4, 9)]
    contact = body["contact"]
    assert contact["reason"] == "billing" and "customer_id" not in contact
    assert contact["first_contact_resolved"] is None  # the 7-day window is still open
    # The customer comes back about the same thing: the first contact was not resolved
    _post(api, event("o-2", 201, "contact.reason", 3600, {"customer_id": "cust-1", "reason": "billing"}))
    contact = api.get("/v1/interactions/o-1/outcomes").json()["contact"]
    assert contact["first_contact_resolved"] is False and contact["next_contact_gap_seconds"] == 3599
    clock.advance(8 * 86400)
    assert api.get("/v1/interactions/o-2/outcomes").json()["contact"]["first_contact_resolved"] is True
    # A survey about an interaction callqa never saw still answers; an unknown id with nothing is a 404
    _post(api, event("o-9", 200, "survey.answered", 0, {"csat": 1}))
    assert api.get("/v1/interactions/o-9/outcomes").json()["surveys"][0]["csat"] == 1
    missing = api.get("/v1/interactions/nobody/outcomes")
    assert missing.status_code == 404 and "nobody" in missing.json()["detail"]


def test_kpi_nodes_say_which_version_judged_them(api: httpx.Client) -> None:
    _post(api, *call("v-1", turns=GOOD_CALL, agent="ann", team="blue", queue="billing"))
    _post(api, *call("v-2", turns=RUDE_CALL, agent="bob", team="red", queue="billing"))
    tree = api.get("/v1/kpis/tree", params=DAY).json()
    version = tree["standard_version"]
    assert tree["centre"]["judged_by"] == {version: 2}
    teams = {t["id"]: t for t in tree["centre"]["children"]}
    assert teams["blue"]["judged_by"] == {version: 1}
    assert teams["red"]["children"][0]["judged_by"] == {version: 1}
    assert tree["queues"][0]["judged_by"] == {version: 2}
