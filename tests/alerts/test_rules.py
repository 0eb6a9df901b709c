"""Window rules, control limits and escalation on a real database, with `now` driven by the test:
persist-for, one open alert per rule and subject, auto-resolve, suppression, SPC, escalation."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from service.alerts.aggregates import Row, control_limits, evaluate_control, evaluate_fixed
from service.alerts.evaluator import evaluate
from service.alerts.models import Alert, AlertTransition
from service.alerts.notify import Destinations
from service.db import session_scope
from service.interactions.repository import window_rows
from service.interactions.service import Pipeline
from service.standards.book import StandardBook
from service.standards.schema import Standard
from tests.factories import at, call, standard, utterance

NONE = Destinations()
SL_RULE = {
    "id": "sl_low", "metric": "service_level", "subject": "queue", "window_seconds": 900, "below": 0.8,
    "min_count": 3, "persist_for_seconds": 60, "suppress_for_seconds": 600, "severity": "warning",
}  # fmt: skip


def _calls(db: Any, std: Standard, start: int, n: int, wait: float, prefix: str, queue: str = "q") -> None:
    """n calls offered from `start` s, one every 10 s, each answered after `wait` s and ended."""
    pipeline = Pipeline(StandardBook(std), timedelta(hours=1))
    with session_scope(db) as session:
        for i in range(n):
            t = start + 10 * i
            events = call(f"{prefix}{i}", offered=t, answered=t + wait, ended=t + wait + 60, queue_id=queue)
            pipeline.record_events(session, events, "test", at(t + wait + 61))


def _evaluate(db: Any, std: Standard, seconds: float) -> list[Alert]:
    with session_scope(db) as session:
        return evaluate(session, std, at(seconds), NONE, window_rows)


def _alerts(db: Any, rule: str) -> list[Alert]:
    with session_scope(db) as session:
        return list(session.scalars(select(Alert).where(Alert.rule == rule).order_by(Alert.id)))


def test_window_rule_persist_dedup_autoresolve_and_suppression(db: Any) -> None:
    std = standard(alerts={"aggregates": [SL_RULE], "control_limits": []})
    _calls(db, std, 0, 4, wait=30, prefix="bad")  # service level 0 %
    assert _evaluate(db, std, 400) == []  # breached, but not yet for 60 s
    opened = _evaluate(db, std, 470)
    assert [a.rule for a in opened] == ["sl_low"] and opened[0].subject_id == "q"
    assert "service_level of queue q is 0.000" in opened[0].message and opened[0].value == 0
    assert _evaluate(db, std, 480) == [], "one open alert per rule and subject"

    _calls(db, std, 500, 20, wait=5, prefix="good")  # 20 of 24 in time: 83 %
    _evaluate(db, std, 800)
    [alert] = _alerts(db, "sl_low")
    assert alert.state == "resolved" and alert.resolved_by == "callqa"

    _calls(db, std, 810, 10, wait=30, prefix="worse")  # 20 of 34: 59 %
    _evaluate(db, std, 1000)
    assert _evaluate(db, std, 1100) == [], "suppressed for 600 s after the resolve at 800"
    reopened = _evaluate(db, std, 1410)
    assert [a.dedup_key for a in reopened] == ["sl_low:queue:q:2"]
    with session_scope(db) as session:
        stmt = select(AlertTransition.to_state).join(Alert).where(Alert.rule == "sl_low").order_by(AlertTransition.id)
        assert session.scalars(stmt).all() == ["open", "resolved", "open"]


def test_too_few_interactions_are_not_judged(db: Any) -> None:
    std = standard(alerts={"aggregates": [{**SL_RULE, "persist_for_seconds": 0}], "control_limits": []})
    _calls(db, std, 0, 2, wait=30, prefix="few")
    assert _evaluate(db, std, 300) == []


def test_control_limits_flag_a_shift_from_the_queue_s_own_history(db: Any) -> None:
    rule = {
        "id": "sl_shift", "metric": "service_level", "subject": "queue", "window_seconds": 900,
        "history_windows": 8, "min_history": 4, "sigmas": 3, "min_count": 4, "severity": "info",
    }  # fmt: skip
    std = standard(alerts={"aggregates": [], "control_limits": [rule]})
    now = 9 * 900
    for w in range(1, 9):  # history: windows alternate 100 % and 75 % in time
        start = now - (w + 1) * 900 + 100
        _calls(db, std, start, 3, wait=5, prefix=f"h{w}-")
        _calls(db, std, start + 300, 1, wait=5 if w % 2 else 40, prefix=f"x{w}-")
    assert _evaluate(db, std, now - 1) == [], "the current window is still empty"
    _calls(db, std, now - 800, 4, wait=45, prefix="now-")  # 0 % in time
    [alert] = _evaluate(db, std, now)
    assert alert.rule == "sl_shift" and alert.severity == "info"
    assert "mean 0.875" in alert.message and "control limits [" in alert.message


def test_unacknowledged_critical_alert_escalates_once(db: Any) -> None:
    std = standard(alerts={"aggregates": [], "control_limits": [], "escalate_critical_after_seconds": 300})
    rude = [utterance("agent", "Calm down.", 0, answered=10, interaction_id="esc", event_id="esc-u")]
    with session_scope(db) as session:
        Pipeline(StandardBook(std), timedelta(hours=1)).record_events(session, rude, "test", at(11))
    assert _alerts(db, "forbidden_phrase")[0].escalated_at is None
    _evaluate(db, std, 200)
    assert _alerts(db, "forbidden_phrase")[0].escalated_at is None
    _evaluate(db, std, 400)
    _evaluate(db, std, 800)
    with session_scope(db) as session:
        stmt = select(AlertTransition.to_state).join(Alert).where(Alert.rule == "forbidden_phrase")
        assert session.scalars(stmt.order_by(AlertTransition.id)).all() == ["open", "escalated"]


def _row(subject: str, seconds: float, in_time: bool, **kw: Any) -> Row:
    base: dict[str, Any] = {
        "counts_for_service_level": True, "answered_within_limit": in_time, "abandoned": False,
        "compliance_passed": 0, "compliance_failed": 0, "customer_sentiment": None, "quality_score": None,
        "final": True, "first_reply_overdue": None,
    }  # fmt: skip
    return Row(subject=subject, started_at=at(seconds), **{**base, **kw})


@pytest.mark.parametrize(
    ("metric", "rows", "value", "count"),
    [
        ("service_level", [_row("q", 0, True), _row("q", 1, False)], 0.5, 2),
        ("abandonment_rate", [_row("q", 0, False, abandoned=True), _row("q", 1, True)], 0.5, 2),
        ("compliance_rate", [_row("q", 0, True, compliance_passed=3, compliance_failed=1)], 0.75, 1),
        ("customer_sentiment", [_row("q", 0, True, customer_sentiment=-0.5), _row("q", 1, True)], -0.5, 1),
        ("quality_score", [_row("q", 0, True, quality_score=80.0), _row("q", 1, True, quality_score=60.0)], 70, 2),
        ("overdue_ticket_ratio", [_row("q", 0, True, first_reply_overdue=True), _row("q", 1, True)], 1.0, 1),
    ],
)
def test_metrics(metric: str, rows: list[Row], value: float, count: int) -> None:
    rule = Standard.model_validate(
        {"version": "t", "alerts": {"aggregates": [{**SL_RULE, "metric": metric, "min_count": 1}]}}
    ).alerts.aggregates[0]
    [obs] = evaluate_fixed(rule, rows, at(10))
    assert obs.value == pytest.approx(value) and obs.count == count


def test_control_limits_arithmetic() -> None:
    mean, sd, lower, upper = control_limits([1.0, 0.75, 1.0, 0.75], 3)
    assert mean == 0.875 and sd == pytest.approx(0.1443, abs=1e-4)
    assert lower == pytest.approx(0.875 - 3 * sd) and upper == pytest.approx(0.875 + 3 * sd)


def test_control_rule_needs_history_before_judging() -> None:
    rule = Standard.model_validate(
        {"version": "t", "alerts": {"control_limits": [{
            "id": "c", "metric": "service_level", "subject": "queue", "window_seconds": 60, "min_count": 1,
            "min_history": 3, "history_windows": 5,
        }]}}
    ).alerts.control_limits[0]  # fmt: skip
    rows = [_row("q", 100, False), _row("q", 30, True)]
    [obs] = evaluate_control(rule, rows, at(130))
    assert obs.judged is False and "1 judged windows" in obs.detail
