"""Review cases' root causes in the Pareto view over real HTTP on SQLite and PostgreSQL: breaches open cases by
themselves (the background sweep), a reviewer records each root cause from the standard's taxonomy, and
`GET /v1/kpis/pareto?causes=root_causes` counts them per team, queue and period, with their en/zh labels; /metrics
serves the review loop's gauges."""

from collections.abc import Callable
from typing import Any

import httpx

from tests.alerts.receivers import wait_until
from tests.api.wire import RUDE_CALL, call
from tests.clock import TestClock
from tests.conftest import LiveServer
from tests.metrics.support import scraped_gauge

DAY = {"from": "2026-11-24T00:00:00Z", "to": "2026-11-25T00:00:00Z"}
CALLS = {"p-1": ("a-1", "t-1", "billing"), "p-2": ("a-2", "t-1", "sales"), "p-3": ("a-3", "t-2", "billing")}
CAUSES = {"p-1": "people", "p-2": "people", "p-3": "process"}


def _pareto(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/v1/kpis/pareto", params={"causes": "root_causes", **DAY, **params})
    assert response.status_code == 200, response.text
    return response.json()["periods"]  # type: ignore[no-any-return]


def test_root_causes_of_review_cases_lead_the_pareto(start_server: Callable[..., LiveServer]) -> None:
    clock = TestClock()
    server = start_server(sweep=True, clock=clock, sweep_interval_seconds=0.2, aggregate_interval_seconds=3600)
    api = server.client
    for iid, (agent, team, queue) in CALLS.items():
        events = call(iid, turns=RUDE_CALL, agent=agent, team=team, queue=queue)
        assert api.post("/v1/events", json={"events": events}).status_code == 202

    cases: dict[str, int] = {}

    def every_breach_has_a_case() -> bool:
        for case in api.get("/v1/reviews", params={"limit": 500}).json()["items"]:
            cases[case["subject_id"]] = case["id"]
        return set(CALLS) <= set(cases)

    wait_until(every_breach_has_a_case, "a review case for each rude call", seconds=20)
    assert _pareto(api)[0] == {**_pareto(api)[0], "total": 0, "items": []}  # no root cause recorded yet
    assert scraped_gauge(api, "callqa_review_cases")["open"] >= len(CALLS)

    for iid, cause in CAUSES.items():
        patched = api.patch(f"/v1/reviews/{cases[iid]}", json={"root_cause": cause})
        assert patched.status_code == 200, patched.text

    (period,) = _pareto(api)
    assert period["total"] == 3
    people, process = period["items"]
    assert people == {
        "cause": "people",
        "labels": {"en": "People", "zh": "人员"},
        "count": 2,
        "share": 0.6667,
        "cumulative_share": 0.6667,
    }
    assert (process["cause"], process["labels"]["zh"], process["count"], process["cumulative_share"]) == (
        "process",
        "流程",
        1,
        1.0,
    )
    # per team, per queue, per day bucket, and a period with no case
    assert [(i["cause"], i["count"]) for i in _pareto(api, team_id="t-2")[0]["items"]] == [("process", 1)]
    billing = _pareto(api, queue_id="billing")[0]["items"]
    assert [(i["cause"], i["count"], i["share"]) for i in billing] == [("people", 1, 0.5), ("process", 1, 0.5)]
    week = _pareto(api, **{"from": "2026-11-23T00:00:00Z", "to": "2026-11-26T00:00:00Z"}, bucket="day")
    assert [(p["bucket"], p["total"]) for p in week] == [("2026-11-23", 0), ("2026-11-24", 3), ("2026-11-25", 0)]
    assert _pareto(api, **{"from": "2026-11-25T00:00:00Z", "to": "2026-11-26T00:00:00Z"})[0]["total"] == 0
    # the built-in source is unchanged, and an unknown one names both
    assert api.get("/v1/kpis/pareto", params=DAY).json()["periods"][0]["items"][0]["labels"] is None
    unknown = api.get("/v1/kpis/pareto", params={"causes": "astrology"})
    assert unknown.status_code == 422 and "root_causes, rules" in unknown.json()["detail"]

    # nobody moved the cases on within 24 h: they are overdue, in the review loop's gauges too
    assert scraped_gauge(api, "callqa_review_cases_overdue")[""] == 0
    clock.advance(25 * 3600)
    assert scraped_gauge(api, "callqa_review_cases_overdue")[""] >= len(CALLS)
    assert set(scraped_gauge(api, "callqa_review_cases")) == {"open", "investigating", "action_planned", "verified"}
    assert scraped_gauge(api, "callqa_disputes") == {"open": 0, "upheld": 0, "overturned": 0}
    assert scraped_gauge(api, "callqa_corrective_actions") == {
        "pending": 0,
        "worked": 0,
        "did_not_work": 0,
        "inconclusive": 0,
    }
