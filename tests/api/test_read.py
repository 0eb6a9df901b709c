"""Read API over real HTTP on SQLite and PostgreSQL: lists, filters, paging, alerts, scorecards, standards."""

import re

import httpx
import pytest

from tests.api.wire import GOOD_CALL, RUDE_CALL, call, event


def _load(api: httpx.Client) -> None:
    calls = (
        call("r-1", answered=5, turns=GOOD_CALL, agent="ann", team="blue", queue="billing"),
        call("r-2", answered=15, turns=GOOD_CALL, agent="ann", team="blue", queue="billing"),
        call("r-3", answered=45, turns=RUDE_CALL, agent="bob", team="blue", queue="sales"),
        call("r-4", answered=None, ended=60, agent="x", team="red", queue="billing"),  # abandoned after 60 s
        call("r-5", answered=None, ended=2, team="red", queue="billing"),  # short abandon
    )
    for events in calls:
        assert api.post("/v1/events", json={"events": events}).status_code == 202


def test_a_total_is_counted_up_to_the_cap(start_server) -> None:  # type: ignore[no-untyped-def]
    api = start_server(list_total_cap=3).client
    _load(api)
    capped = api.get("/v1/interactions", params={"total": "true", "limit": 2}).json()
    assert (capped["total"], capped["total_capped"], len(capped["items"])) == (3, True, 2), "at least 3 match"
    ann = api.get("/v1/interactions", params={"total": "true", "agent_id": "ann"}).json()
    assert (ann["total"], ann["total_capped"]) == (2, False)
    exactly = api.get("/v1/interactions", params={"total": "true", "team_id": "blue"}).json()
    assert (exactly["total"], exactly["total_capped"]) == (3, False), "as many as the cap: exact"


def test_list_filters_and_paging(api: httpx.Client) -> None:
    _load(api)
    everything = api.get("/v1/interactions", params={"total": "true"}).json()
    assert (everything["total"], everything["total_capped"]) == (5, False)
    assert api.get("/v1/interactions").json()["total"] is None  # counted only when asked
    ann = api.get("/v1/interactions", params={"agent_id": "ann"}).json()
    assert {i["id"] for i in ann["items"]} == {"r-1", "r-2"}
    failed = api.get("/v1/interactions", params={"passed": "false"}).json()
    assert "r-3" in {i["id"] for i in failed["items"]}
    page1 = api.get("/v1/interactions", params={"limit": 2}).json()
    page2 = api.get("/v1/interactions", params={"limit": 2, "offset": page1["next_offset"]}).json()
    page3 = api.get("/v1/interactions", params={"limit": 2, "offset": page2["next_offset"]}).json()
    assert page3["next_offset"] is None
    ids = [i["id"] for p in (page1, page2, page3) for i in p["items"]]
    assert sorted(ids) == ["r-1", "r-2", "r-3", "r-4", "r-5"]
    by_cursor, params = [], {"limit": "2"}
    while True:  # keyset paging: the same items in the same order as by offset
        page = api.get("/v1/interactions", params=params).json()
        by_cursor += [i["id"] for i in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": "2", "cursor": page["next_cursor"]}
    assert by_cursor == ids
    for forged in ("bm90LWEtY3Vyc29y", "WyJ5ZXN0ZXJkYXkiLCAici0xIl0=", "WzEsMl0="):
        bad = api.get("/v1/interactions", params={"cursor": forged})
        assert bad.status_code == 422 and "cursor" in bad.json()["detail"]
    both = api.get("/v1/interactions", params={"cursor": page1["next_cursor"], "offset": 2})
    assert both.status_code == 422
    window = api.get("/v1/interactions", params={"from": "2026-11-25T00:00:00Z", "total": "true"}).json()
    assert window["total"] == 0 and window["items"] == []
    bad = api.get("/v1/interactions", params={"from": "yesterday"})
    assert bad.status_code == 422 and "from" in bad.json()["detail"]
    assert api.get("/v1/interactions", params={"limit": 0}).status_code == 422
    missing = api.get("/v1/interactions/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_alert_filters(api: httpx.Client) -> None:
    _load(api)
    critical = api.get("/v1/alerts", params={"severity": "critical", "total": "true"}).json()
    assert critical["total"] >= 1 and all(a["severity"] == "critical" for a in critical["items"])
    assert {a["interaction_id"] for a in critical["items"]} == {"r-3"}
    waits = api.get("/v1/alerts", params={"rule": "answer_wait_exceeded"}).json()
    assert {a["interaction_id"] for a in waits["items"]} == {"r-3", "r-4"}
    assert all(a["state"] == "open" and a["standard_version"] for a in waits["items"])
    assert api.get("/v1/alerts", params={"state": "sleeping"}).status_code == 422


def test_scorecards(api: httpx.Client) -> None:
    _load(api)
    day = {"from": "2026-11-24T00:00:00Z", "to": "2026-11-25T00:00:00Z"}
    ann = api.get("/v1/agents/ann/scorecard", params=day).json()
    assert ann["calls"]["handled"] == 2 and ann["calls"]["average_answer_seconds"] == 10
    assert ann["calls"]["service_level"] == 1.0 and ann["quality"]["pass_rate"] == 1.0
    assert ann["compliance"]["rate"] == 1.0 and ann["meets_targets"] == {"service_level": True, "compliance": True}
    billing = api.get("/v1/queues/billing/scorecard", params=day).json()
    # r-1, r-2 answered in time; r-4 abandoned after 60 s counts against; r-5 short abandon is left out.
    assert billing["calls"]["offered"] == 3 and billing["calls"]["abandoned"] == 2
    assert billing["calls"]["service_level"] == round(2 / 3, 4)
    blue = api.get("/v1/teams/blue/scorecard", params=day).json()
    assert blue["interactions"] == 3 and blue["quality"]["failed"] == 1
    assert blue["average_customer_sentiment"] is not None
    empty = api.get("/v1/teams/none/scorecard", params=day).json()
    assert empty["interactions"] == 0 and empty["calls"]["service_level"] is None


def test_standards_endpoints(api: httpx.Client) -> None:
    body = api.get("/v1/standards").json()
    assert body["current"]["version"] == "2026.12.2-default"
    assert body["versions"][0]["current"] is True
    source = api.get("/v1/standards/2026.12.2-default")
    assert source.status_code == 200 and "script_rules:" in source.text
    assert api.get("/v1/standards/0.0").status_code == 404


def test_health_metrics_docs(api: httpx.Client) -> None:
    assert api.get("/healthz").json()["status"] == "ok"
    assert api.get("/readyz").json()["status"] == "ready"
    api.post("/v1/events", json=event("m-1", 0, "call.offered", 0))
    for path in ("/metrics", "/metrics/"):  # `curl /metrics` gets the metrics, not a redirect
        answer = api.get(path, follow_redirects=False)
        assert answer.status_code == 200, path
        assert 'callqa_events_received_total{outcome="accepted",source="http",type="call.offered"}' in answer.text
    docs = api.get("/docs")
    assert docs.status_code == 200
    # Every asset the page loads is served here: nothing from a CDN (a centre's machine is often offline).
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        assert api.get(asset).status_code == 200, asset
    assert "/v1/events" in api.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("value", ["-1.19e-07", "1795521600", "0", "yesterday"])
def test_a_number_is_not_a_time(api: httpx.Client, value: str) -> None:
    r = api.get("/v1/interactions", params={"to": value})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "to" and "RFC 3339" in r.json()["detail"]
    numeric = api.post("/v1/events", json={**event("n-1", 0, "call.offered", 0), "occurred_at": 1795521600})
    assert numeric.status_code == 422 and "occurred_at" in numeric.json()["detail"]


def test_openapi_documents_the_error_bodies_the_server_sends(api: httpx.Client) -> None:
    doc = api.get("/openapi.json").json()
    detail = doc["components"]["schemas"]["InvalidRequest"]["properties"]["detail"]
    assert detail["type"] == "string"  # as sent: {"detail": "<sentence>", "errors": [{"field", "message"}]}
    for path, operations in doc["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            documented = set(operation["responses"])
            needs = {"422", "503"} | ({"401"} if not path.startswith("/v1/sources") else set())
            assert needs <= documented, f"{method.upper()} {path} documents {sorted(documented)}"
            if "{" in path and not path.endswith("/scorecard"):  # a path that names one thing: it may not exist
                assert "404" in documented, f"{method.upper()} {path}"
    r = api.get("/v1/interactions", params={"limit": 0})
    assert r.status_code == 422 and isinstance(r.json()["detail"], str) and r.json()["errors"][0]["field"] == "limit"
