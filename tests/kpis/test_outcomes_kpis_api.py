"""Customer outcomes, the KPI tree and the Pareto view over real HTTP on SQLite and PostgreSQL.

A survey answer moves CSAT, a repeat contact breaks first-contact resolution, and both show in the tree (centre,
team, agent, queue) and in the scorecard; the rude call's failed items lead the Pareto view.
"""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from tests.api.wire import BASE, GOOD_CALL, RUDE_CALL, call, event
from tests.clock import TestClock
from tests.conftest import LiveServer
from tests.standards_support import DEFAULT, V1

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
    # 09:00 UTC is 17:00 in Shanghai, and 2026-11-23 in Honolulu
    west = _tree(
        api, **{"from": "2026-11-23T00:00:00-10:00", "to": "2026-11-24T00:00:00-10:00"}, time_zone="Pacific/Honolulu"
    )
    assert west["time_zone"] == "Pacific/Honolulu"
    assert [(p["bucket"], p["kpis"]["service_level"]["count"]) for p in west["centre"]["series"]] == [("2026-11-23", 3)]
    assert api.get("/v1/kpis/tree", params={"bucket": "year"}).status_code == 422
    for path in ("/v1/kpis/tree", "/v1/kpis/pareto"):
        for bad_zone in ("Mars/Olympus", "+08:00", "../etc/passwd", "Asia/Shanghai' --"):
            bad = api.get(path, params={"time_zone": bad_zone})
            assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["time_zone"], bad.text
            assert "IANA time zone" in bad.json()["errors"][0]["message"]
    wide = api.get("/v1/kpis/tree", params={"from": "1990-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"})
    assert wide.status_code == 422 and "from" in wide.json()["detail"]
    unknown = api.get("/v1/kpis/pareto", params={"causes": "astrology"})
    assert unknown.status_code == 422 and "causes" in unknown.json()["detail"]


def test_buckets_follow_the_centres_time_zone_across_daylight_saving(
    start_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    """New York falls back on 1 November 2026 (02:00 EDT becomes 01:00 EST): that day is 25 hours long. The
    centre's standard names its zone; a request may ask for another."""
    in_new_york = tmp_path / "new-york.yaml"
    in_new_york.write_text(
        DEFAULT.replace(f'version: "{V1}"', 'version: "2026.12-new-york"').replace(
            "languages: [en, zh]\n", "languages: [en, zh]\ntime_zone: America/New_York\n"
        ),
        encoding="utf-8",
    )
    api = start_server(standards_file=in_new_york).client
    starts = ["2026-11-01T03:30:00+00:00", "2026-11-01T04:30:00+00:00", "2026-11-02T04:30:00+00:00",
              "2026-11-02T05:30:00+00:00"]  # fmt: skip
    for n, start in enumerate(starts):
        moved = datetime.fromisoformat(start) - BASE
        events = [{**e, "occurred_at": (datetime.fromisoformat(e["occurred_at"]) + moved).isoformat()}
                  for e in call(f"dst-{n}", turns=GOOD_CALL)]  # fmt: skip
        assert _post(api, *events).status_code == 202
    span = {"from": "2026-10-31T00:00:00-04:00", "to": "2026-11-03T00:00:00-05:00"}

    def offered(tree: dict[str, Any]) -> list[tuple[str, str, str, int]]:
        return [
            (p["bucket"], p["from"], p["to"], p["kpis"]["service_level"]["count"]) for p in tree["centre"]["series"]
        ]

    new_york = _tree(api, **span)
    assert new_york["time_zone"] == "America/New_York"  # the standard's
    assert offered(new_york) == [
        ("2026-10-31", "2026-10-31T00:00:00-04:00", "2026-11-01T00:00:00-04:00", 1),
        ("2026-11-01", "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 2),  # 25 hours
        ("2026-11-02", "2026-11-02T00:00:00-05:00", "2026-11-03T00:00:00-05:00", 1),
    ]
    pareto = api.get("/v1/kpis/pareto", params={**span, "bucket": "day"}).json()
    assert pareto["time_zone"] == "America/New_York"
    assert [(p["bucket"], p["to"]) for p in pareto["periods"]][1] == ("2026-11-01", "2026-11-02T00:00:00-05:00")
    utc = _tree(api, **span, time_zone="UTC")  # the request's zone over the standard's
    assert utc["time_zone"] == "UTC"
    assert [(b, n) for b, _, _, n in offered(utc)] == [
        ("2026-10-31", 0), ("2026-11-01", 2), ("2026-11-02", 2), ("2026-11-03", 0)
    ]  # fmt: skip


def test_outcomes_follow_their_interactions_subject_when_it_changes_later(api: httpx.Client) -> None:
    """Outcome rows store whom they count for; a survey and a contact reason that came before their call count
    for their own agent until the call names one, then for the call's, and move again with a transfer (the
    tree, the queues and the scorecards of any period read the current subject)."""

    def answers(path: str) -> int:
        card = api.get(path, params=DAY)
        assert card.status_code == 200, card.text
        return card.json()["outcomes"]["csat"]["answers"]

    def judged_for(agent: str) -> tuple[int, int]:
        tree = _tree(api)
        agents = [a for team in tree["centre"]["children"] for a in team["children"] if a["id"] == agent]
        return (
            sum(a["total"]["csat"]["count"] for a in agents),
            sum(a["total"]["first_contact_resolution"]["count"] for a in agents),
        )

    early = {"agent_id": "zed", "team_id": "green"}
    assert _post(api, {**_survey("m-1", 600, csat=5), **early}).status_code == 202
    assert _post(api, {**_reason("m-1", 1, "cust-9", "outage"), **early}).status_code == 202
    assert answers("/v1/agents/zed/scorecard") == 1 and answers("/v1/teams/green/scorecard") == 1

    # The call arrives: its agent, team and queue win over those the survey named
    assert _post(api, *call("m-1", turns=GOOD_CALL, agent="ann", team="blue", queue="billing")).status_code == 202
    assert (answers("/v1/agents/zed/scorecard"), answers("/v1/agents/ann/scorecard")) == (0, 1)
    assert (answers("/v1/teams/green/scorecard"), answers("/v1/teams/blue/scorecard")) == (0, 1)
    assert answers("/v1/queues/billing/scorecard") == 1
    csat = _node(_tree(api)["centre"]["children"], "blue")["total"]["csat"]
    assert csat["count"] == 1 and csat["value"] == 1.0

    # Transferred afterwards (a late event): the outcomes move to bob and the sales queue with it
    transfer = event("m-1", 50, "call.transferred", 200, {"to_agent_id": "bob", "to_queue_id": "sales"})
    assert _post(api, transfer).status_code == 202
    assert (answers("/v1/agents/ann/scorecard"), answers("/v1/agents/bob/scorecard")) == (0, 1)
    assert (answers("/v1/queues/billing/scorecard"), answers("/v1/queues/sales/scorecard")) == (0, 1)
    tree = _tree(api)
    assert _node(tree["queues"], "sales")["total"]["csat"]["count"] == 1
    assert "billing" not in {q["id"] for q in tree["queues"]} or (
        _node(tree["queues"], "billing")["total"]["csat"]["count"] == 0
    )
    # the contact reason moved too: bob's, judged once its window has passed (the clock is the test's)
    assert judged_for("zed") == (0, 0) and judged_for("bob")[0] == 1
