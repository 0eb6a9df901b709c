"""Run the window and control-limit rules against the database and keep one alert per rule and subject:
must-persist-for, suppression after resolve, auto-resolve when the condition clears, escalation."""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.alerts import lifecycle
from service.alerts import repository as repo
from service.alerts.aggregates import Observation, Row, Standing, decide, evaluate_control, evaluate_fixed
from service.alerts.models import Alert, RuleState
from service.alerts.notify import Destinations
from service.standards.schema import AggregateRule, ControlLimitRule, Standard

# The interactions' rows of one subject kind (queue, team) started in [since, until): passed in by the jobs, as
# interactions.repository.window_rows, since the interactions sit above the alerts they raise.
RowsOf = Callable[[Session, str, datetime, datetime], list[Row]]


def evaluate(
    session: Session, standard: Standard, now: datetime, destinations: Destinations, rows_of: RowsOf
) -> list[Alert]:
    """One evaluation round; returns alerts opened in it."""
    if not repo.evaluate_exclusively(session):
        return []
    rules: list[AggregateRule | ControlLimitRule] = [*standard.alerts.aggregates, *standard.alerts.control_limits]
    opened: list[Alert] = []
    row_cache: dict[tuple[str, timedelta], list[Row]] = {}
    for rule in rules:
        span = timedelta(seconds=rule.window_seconds)
        if isinstance(rule, ControlLimitRule):
            span *= rule.history_windows + 1
        key = (rule.subject, span)
        if key not in row_cache:
            row_cache[key] = rows_of(session, rule.subject, now - span, now)
        rows = row_cache[key]
        observations = (
            evaluate_control(rule, rows, now)
            if isinstance(rule, ControlLimitRule)
            else (evaluate_fixed(rule, rows, now))
        )
        for obs in observations:
            alert = _apply(session, rule, obs, standard.version, now, destinations)
            if alert:
                opened.append(alert)
    lifecycle.escalate_overdue(session, standard.alerts.escalate_critical_after_seconds, now, destinations)
    return opened


def _apply(
    session: Session,
    rule: AggregateRule | ControlLimitRule,
    obs: Observation,
    standard_version: str,
    now: datetime,
    destinations: Destinations,
) -> Alert | None:
    key = f"{rule.id}:{rule.subject}:{obs.subject}"
    state = repo.rule_state(session, key)
    if state is None:
        state = RuleState(key=key, episodes=0, updated_at=now)
        session.add(state)
    if not obs.judged:
        return None
    state.last_value, state.updated_at = obs.value, now
    current = session.get(Alert, state.open_alert_id) if state.open_alert_id else None
    if current is not None and current.state == "resolved":  # a supervisor resolved it: quiet time starts then
        state.last_resolved_at, state.open_alert_id, current = current.resolved_at, None, None
    decision = decide(rule, obs, Standing(state.breach_since, state.last_resolved_at, current is not None), now)
    state.breach_since = decision.breach_since
    if decision.action == "update" and current is not None:
        current.value = obs.value
    elif decision.action == "resolve" and current is not None:
        lifecycle.resolve(session, current, lifecycle.SYSTEM, f"condition cleared: {obs.detail}", now, destinations)
        state.last_resolved_at, state.open_alert_id = now, None
    elif decision.action == "open":
        return _open(session, rule, obs, state, standard_version, now, destinations)
    return None


def _open(
    session: Session,
    rule: AggregateRule | ControlLimitRule,
    obs: Observation,
    state: RuleState,
    standard_version: str,
    now: datetime,
    destinations: Destinations,
) -> Alert:
    state.episodes += 1
    alert = Alert(
        dedup_key=f"{state.key}:{state.episodes}",
        rule=rule.id,
        severity=rule.severity,
        state="open",
        subject_kind=rule.subject,
        subject_id=obs.subject,
        queue_id=obs.subject if rule.subject == "queue" else None,
        team_id=obs.subject if rule.subject == "team" else None,
        standard_version=standard_version,
        message=f"{rule.id}: {obs.detail}",
        evidence=[{"note": obs.detail, "value": obs.value, "count": obs.count, "lower": obs.lower, "upper": obs.upper}],
        value=obs.value,
        breached_at=state.breach_since,
        raised_at=now,
    )
    session.add(alert)
    session.flush()
    lifecycle.opened(session, [alert], now, destinations)
    state.open_alert_id = alert.id
    return alert
