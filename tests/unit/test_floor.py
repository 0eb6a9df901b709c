"""The floor's pure figures: stale calls by the standard's limit, handle time, queue tiles, agent states, trend
buckets (empty buckets are null, not zero)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from service.floor.service import Contact, agent_table, is_stale, queue_floor, trends
from service.standards.loader import load_standard
from tests.factories import DEFAULT_STANDARD_FILE

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
STANDARD = load_standard(DEFAULT_STANDARD_FILE).standard


def contact(cid: str, minutes_ago: float, status: str = "ended", **kw: object) -> Contact:
    base = {
        "id": cid, "kind": "call", "status": status, "final": status in {"ended", "abandoned"}, "agent_id": "ann",
        "team_id": "t-1", "queue_id": "billing", "started_at": NOW - timedelta(minutes=minutes_ago),
        "ended_at": None, "answer_wait_seconds": None, "counts_for_service_level": True,
        "answered_within_limit": None, "abandoned": status == "abandoned", "compliance_passed": 0,
        "compliance_failed": 0, "quality_score": None, "customer_sentiment_mean": None, "last_event_at": None,
    }  # fmt: skip
    return Contact(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("silent_minutes", "final", "stale"),
    [(29, False, False), (31, False, True), (31, True, False)],
)
def test_a_live_call_is_stale_after_the_standards_limit(silent_minutes: int, final: bool, stale: bool) -> None:
    assert STANDARD.responsiveness.call.stale_after_seconds == 1800
    c = contact("c", 60, "talking", final=final, last_event_at=NOW - timedelta(minutes=silent_minutes))
    assert is_stale(c, NOW, STANDARD) is stale


def test_handle_time_runs_from_answer_to_end() -> None:
    c = contact("c", 10, answer_wait_seconds=20, ended_at=NOW - timedelta(minutes=5))
    assert c.handle_seconds == 280
    assert contact("q", 1, "queued").handle_seconds is None


def test_queue_tile_figures() -> None:
    rows = [
        contact("a", 10, answer_wait_seconds=10, ended_at=NOW - timedelta(minutes=5), answered_within_limit=True),
        contact("b", 3, "talking", agent_id="bob", answer_wait_seconds=30, last_event_at=NOW),
        contact("c", 2, "queued", agent_id=None, last_event_at=NOW),
        contact("d", 1, "queued", agent_id=None, last_event_at=NOW),
        contact("e", 300, "talking", agent_id="cat", answer_wait_seconds=5),  # lost its call.ended
    ]
    tile = queue_floor(rows, NOW - timedelta(minutes=15), NOW, STANDARD)["billing"]
    assert tile["waiting"] == 2 and tile["oldest_waiting_seconds"] == 120
    assert tile["average_speed_of_answer_seconds"] == 20 and tile["average_handle_seconds"] == 290
    assert tile["agents_on_contacts"] == 1 and tile["stale_calls"] == 1


def test_agent_states() -> None:
    rows = [
        contact("a", 30, answer_wait_seconds=5, ended_at=NOW - timedelta(minutes=20), quality_score=80),
        contact("b", 5, "on_hold", answer_wait_seconds=5, last_event_at=NOW - timedelta(minutes=1)),
        replace(contact("c", 40, answer_wait_seconds=5, ended_at=NOW - timedelta(minutes=35)), agent_id="bob"),
    ]
    table = {r["agent_id"]: r for r in agent_table(rows, NOW - timedelta(hours=8), NOW, STANDARD)}
    assert table["ann"]["state"] == "on_hold" and table["ann"]["seconds_in_state"] == 60
    assert table["ann"]["handled"] == 2 and table["ann"]["average_quality"] == 80
    assert table["bob"]["state"] == "idle" and table["bob"]["seconds_in_state"] == 35 * 60


def test_trend_buckets() -> None:
    rows = [
        contact("a", 55, answered_within_limit=True, compliance_passed=4, compliance_failed=1),
        contact("b", 50, answered_within_limit=False, customer_sentiment_mean=-0.5),
        contact("c", 5, answered_within_limit=True),
    ]
    buckets = trends(rows, NOW - timedelta(hours=1), NOW, 900)
    assert [b["interactions"] for b in buckets] == [2, 0, 0, 1]
    assert buckets[0]["service_level"] == 0.5 and buckets[0]["compliance_rate"] == 0.8
    assert buckets[0]["customer_sentiment"] == -0.5
    assert buckets[1]["service_level"] is None and buckets[1]["compliance_rate"] is None
