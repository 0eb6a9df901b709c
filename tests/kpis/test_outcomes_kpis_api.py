"""Customer outcomes, the KPI tree and the Pareto view over real HTTP on SQLite and PostgreSQL.

A survey answer moves CSAT, a repeat contact breaks first-contact resolution, and both show in the tree (centre,
team, agent, queue) and in the scorecard; the rude call's failed items lead the Pareto view.
"""

from collections.abc import Callable
from typing import Any

import httpx

from tests.api.wire import GOOD_CALL, RUDE_CALL, call, event
from tests.clock import TestClock
from tests.conftest import LiveServer

DAY = {"from": "2026-11-24T00:00:00Z", "to": "2026-11-25T00:00:00Z"}


def _post(api: httpx.Client, *events: dict[str, Any]) -> httpx.Response:
    return api.post("/v1/events", json={"events": list(events)})


def _survey(iid: str, seconds: float, **answers: int) -> dict[str, Any]:
    return event(iid, 200, "survey.answered", seconds, answers)


def _reason(iid: str, seconds: float, customer: str, reason: str) -> dict[str, Any]:
    return event(iid, 201, "contact.reason", seconds, {"customer_id": customer, "reason": reason})


def _tree(api: httpx.Client, **params: Any) -> dict[str, Any]:
    response = api.get("/v1/kpis/tree", params={**DAY, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _node(nodes: list[dict[str, Any]], id_: str | None) -> dict[str, Any]:
    return next(n for n in nodes if n["id"] == id_)


def _load_calls(api: httpx.Client) -> None:
    for events in (
        call("k-1", answered=8, turns=GOOD_CALL, agent="ann", team="blue", queue="billing"),
        call("k-2", answered=45, turns=RUDE_CALL, agent="bob", team="blue", queue="sales"),
        call("k-3", answered=5, turns=GOOD_CALL, agent="cat", team="red", queue="billing"),
    ):
        assert _post(api, *events).status_code == 202


def test_survey_moves_csat_and_repeat_contact_breaks_fcr(start_server: Callable[..., LiveServer]) -> None:
    clock = TestClock()
    api = start_server(clock=clock).client
    _load_calls(api)
    before = _tree(api)["centre"]["total"]
    assert before["csat"] == {"value": None, "count": 0, "target": 0.8, "direction": "at_least", "met": None}
    assert before["service_level"]["value"] == round(2 / 3, 4) and before["service_level"]["met"] is False

    # A survey answer moves CSAT (and NPS), for the centre, the team, the agent and the queue
    assert _post(api, _survey("k-1", 600, csat=5, nps=10)).status_code == 202
    tree = _tree(api)
    assert tree["centre"]["total"]["csat"]["value"] == 1.0 and tree["centre"]["total"]["csat"]["met"] is True
    assert _post(api, _survey("k-2", 700, csat=2, nps=3)).status_code == 202
    tree = _tree(api)
    centre = tree["centre"]["total"]
    assert (centre["csat"]["value"], centre["csat"]["count"], centre["csat"]["met"]) == (0.5, 2, False)
    assert centre["nps"]["value"] == 0.0  # one promoter, one detractor
    blue = _node(tree["centre"]["children"], "blue")
    assert _node(blue["children"], "bob")["total"]["csat"]["value"] == 0.0
    assert _node(blue["children"], "ann")["total"]["csat"]["value"] == 1.0
    assert _node(tree["queues"], "sales")["total"]["csat"]["value"] == 0.0
    card = api.get("/v1/agents/bob/scorecard", params=DAY).json()
    assert card["outcomes"]["csat"]["value"] == 0.0 and card["outcomes"]["csat"]["answers"] == 1

    # Contact reasons: ann's customer comes back about the same thing two hours later (k-3, another agent)
    assert (
        _post(api, _reason("k-1", 1, "cust-1", "billing_dispute"), _reason("k-2", 1, "cust-2", "outage")).status_code
        == 202
    )
    fcr = _tree(api)["centre"]["total"]["first_contact_resolution"]
    assert (fcr["value"], fcr["count"]) == (None, 0)  # nobody came back yet, and the 7-day window is still open
    assert _post(api, _reason("k-3", 7200, "cust-1", "billing_dispute")).status_code == 202
    tree = _tree(api)
    fcr = tree["centre"]["total"]["first_contact_resolution"]
    assert (fcr["value"], fcr["count"], fcr["met"]) == (0.0, 1, False)
    assert (
        _node(_node(tree["centre"]["children"], "blue")["children"], "ann")["total"]["first_contact_resolution"][
            "value"
        ]
        == 0.0
    )
    # After the window, the contacts nobody repeated count as resolved at first contact
    clock.advance(8 * 86400)
    fcr = _tree(api)["centre"]["total"]["first_contact_resolution"]
    assert (fcr["value"], fcr["count"]) == (round(2 / 3, 4), 3)

    # Pareto: the rude call's failed items, largest first, cumulative share up to 1
    pareto = api.get("/v1/kpis/pareto", params=DAY).json()
    (period,) = pareto["periods"]
    items = period["items"]
    assert period["total"] == sum(i["count"] for i in items) > 0
    assert [i["count"] for i in items] == sorted((i["count"] for i in items), reverse=True)
    assert items[-1]["cumulative_share"] == 1.0
    assert "no_forbidden_phrases" in {i["cause"] for i in items}
    red = api.get("/v1/kpis/pareto", params={**DAY, "team_id": "red"}).json()["periods"][0]
    assert "no_forbidden_phrases" not in {i["cause"] for i in red["items"]}


def test_outcome_events_are_validated_naming_the_field(api: httpx.Client) -> None:
    bad = _post(api, _survey("v-1", 0, csat=6), event("v-2", 1, "contact.reason", 0, {"reason": "x"}))
    assert bad.status_code == 422
    fields = {e["field"] for r in bad.json()["results"] for e in r["errors"]}
    assert fields == {"payload.csat", "payload.customer_id"}
    empty = api.post("/v1/events", json=_survey("v-3", 0))
    assert empty.status_code == 422 and "csat" in empty.json()["detail"]
    once = _survey("v-4", 0, nps=9)
    assert api.post("/v1/events", json=once).status_code == 202
    assert api.post("/v1/events", json=once).status_code == 200  # the same event again: a duplicate
    # A survey is about an interaction, never a step of it: the call it names is not touched
    assert api.get("/v1/interactions/v-4").status_code == 404


def test_buckets_and_bad_parameters(api: httpx.Client) -> None:
    _load_calls(api)
    week = _tree(api, **{"from": "2026-11-20T00:00:00Z", "to": "2026-12-02T00:00:00Z"}, bucket="week")
    assert [p["bucket"] for p in week["centre"]["series"]] == ["2026-11-16", "2026-11-23", "2026-11-30"]
    assert week["centre"]["series"][1]["kpis"]["service_level"]["count"] == 3
    month = _tree(api, bucket="month")
    assert [p["bucket"] for p in month["centre"]["series"]] == ["2026-11-01"]
    # 09:00 UTC is 17:00 at UTC+8, and 2026-11-23 at UTC-10
    west = _tree(api, **{"from": "2026-11-23T00:00:00-10:00", "to": "2026-11-24T00:00:00-10:00"}, offset_minutes=-600)
    assert [(p["bucket"], p["kpis"]["service_level"]["count"]) for p in west["centre"]["series"]] == [("2026-11-23", 3)]
    assert api.get("/v1/kpis/tree", params={"bucket": "year"}).status_code == 422
    assert api.get("/v1/kpis/tree", params={"offset_minutes": 9999}).status_code == 422
    wide = api.get("/v1/kpis/tree", params={"from": "1990-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"})
    assert wide.status_code == 422 and "from" in wide.json()["detail"]
    unknown = api.get("/v1/kpis/pareto", params={"causes": "astrology"})
    assert unknown.status_code == 422 and "causes" in unknown.json()["detail"]
