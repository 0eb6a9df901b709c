"""Human review and disputes judge an interaction by the standard version that scored it, over real HTTP on
SQLite and PostgreSQL: after a version with another item set and pass mark is activated, a review, a dispute and a
calibration of an interaction the old version judged use the old version's items, weights and pass mark."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.api.wire import BASE, GOOD_CALL, RUDE_CALL, call
from tests.conftest import LiveServer
from tests.standards_support import RESOLUTION, V1, V3


def _moved(events: list[dict[str, Any]], to: datetime) -> list[dict[str, Any]]:
    """The same call, started at `to` instead of the wire's base time."""
    return [{**e, "occurred_at": (datetime.fromisoformat(e["occurred_at"]) - BASE + to).isoformat()} for e in events]


def _key(server: LiveServer, name: str, scopes: list[str], **extra: str) -> httpx.Client:
    created = server.client.post("/v1/keys", json={"name": name, "scopes": scopes, **extra})
    assert created.status_code == 201, created.text
    return httpx.Client(base_url=server.url, timeout=30, headers=server.auth(created.json()["key"]))


def test_review_dispute_and_calibration_use_the_version_that_judged(start_server: Callable[..., LiveServer]) -> None:
    server = start_server()
    sup, lee = _key(server, "sup", ["supervise"]), _key(server, "lee", ["supervise"])
    agent = _key(server, "agent a-1", ["agent"], agent_id="a-1")
    assert server.client.post("/v1/events", json={"events": call("old", turns=RUDE_CALL)}).status_code == 202
    old = sup.get("/v1/interactions/old/review").json()
    v1_items = [i["id"] for i in old["automated"]["items"]]
    assert old["standard_version"] == V1 and "confirm_resolution" not in v1_items

    activated = server.client.post("/v1/standards/activations", json={"standard": RESOLUTION})
    assert activated.status_code == 201, activated.text
    later = server.clock() + timedelta(minutes=1)
    server.clock.advance(3600)  # the new call, started after the activation, has ended
    new = _moved(call("new", turns=GOOD_CALL), later)
    assert server.client.post("/v1/events", json={"events": new}).status_code == 202
    judged_new = sup.get("/v1/interactions/new/review").json()
    assert judged_new["standard_version"] == V3
    assert "confirm_resolution" in [i["id"] for i in judged_new["automated"]["items"]]

    # A review of the old call: v3's item is not one of its items; v1's are.
    wrong = sup.post(
        "/v1/interactions/old/reviews", json={"items": [{"item_id": "confirm_resolution", "status": "pass"}]}
    )
    assert wrong.status_code == 422 and "confirm_resolution" in wrong.json()["detail"], wrong.text
    passed = [{"item_id": i, "status": "pass"} for i in ("greeting", "no_forbidden_phrases")]
    assert sup.post("/v1/interactions/old/reviews", json={"items": passed}).status_code == 201

    # The agent disputes one of v1's items; v3's is refused. The supervisor overturns it.
    refused = agent.post("/v1/disputes", json={"interaction_id": "old", "item_id": "confirm_resolution", "reason": "x"})
    assert refused.status_code == 422, refused.text
    dispute = agent.post(
        "/v1/disputes", json={"interaction_id": "old", "item_id": "offer_further_help", "reason": "I offered"}
    )
    assert dispute.status_code == 201, dispute.text
    decided = sup.post(f"/v1/disputes/{dispute.json()['id']}/decision", json={"decision": "overturn"})
    assert decided.status_code == 200, decided.text

    side = agent.get("/v1/interactions/old/review").json()
    reviewed = side["reviewed"]
    assert [i["id"] for i in reviewed["items"]] == v1_items  # v1's items and weights, none of v3's
    assert {i["id"]: i["source"] for i in reviewed["items"] if i["source"] != "automated"} == {
        "greeting": "review", "no_forbidden_phrases": "review", "offer_further_help": "dispute",
    }  # fmt: skip
    # between v3's pass mark (30) and v1's (80): judged by v1, it still fails
    assert 30 <= reviewed["quality_score"] < 80 and reviewed["passed"] is False, reviewed
    assert side["automated"]["quality_score"] == old["automated"]["quality_score"]  # never rewritten

    # A blind calibration review of the old call scores every one of v1's items, and no more.
    panel = sup.post("/v1/calibrations", json={"name": "v1", "interaction_ids": ["old"], "reviewers": ["sup", "lee"]})
    assert panel.status_code == 201, panel.text
    every = [{"item_id": i, "status": "pass"} for i in v1_items]
    for reviewer in (sup, lee):
        r = reviewer.post(
            f"/v1/calibrations/{panel.json()['id']}/reviews", json={"interaction_id": "old", "items": every}
        )
        assert r.status_code == 201, r.text
        assert r.json()["standard_version"] == V1 and r.json()["passed"] is True
