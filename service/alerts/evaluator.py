"""Run the window and control-limit rules against the database and keep one alert per rule and subject:
must-persist-for, suppression after resolve, auto-resolve when the condition clears, escalation."""

from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.alerts import lifecycle
from service.alerts.aggregates import Observation, Row, evaluate_control, evaluate_fixed
from service.alerts.models import Alert, RuleState
from service.alerts.notify import Destinations
from service.interactions.models import Interaction
from service.standards.schema import AggregateRule, ControlLimitRule, Standard

SUBJECT_COLUMNS = {"queue": Interaction.queue_id, "team": Interaction.team_id, "agent": Interaction.agent_id}


def metric_rows(
    session: Session, subject: str, since: datetime, until: datetime, subject_id: str | None = None
) -> list[Row]:
    """Rows of every queue, team or agent (or of one, `subject_id`) started in [since, until)."""
    column = SUBJECT_COLUMNS[subject]
    i = Interaction
    stmt = select(
        column, i.started_at, i.counts_for_service_level, i.answered_within_limit, i.abandoned,
        i.compliance_passed, i.compliance_failed, i.customer_sentiment_mean, i.quality_score, i.final,
        i.first_reply_overdue,
    ).where(column.is_not(None), i.started_at >= since, i.started_at < until, i.status != "new")  # fmt: skip
    if subject_id is not None:
        stmt = stmt.where(column == subject_id)
    return [Row(*r) for r in session.execute(stmt)]  # type: ignore[arg-type]


def _exclusive(session: Session) -> bool:
    """One process evaluates at a time (PostgreSQL advisory lock, released at commit); SQLite has one writer."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(4242001)")))


def evaluate(session: Session, standard: Standard, now: datetime, destinations: Destinations) -> list[Alert]:
    """One evaluation round; returns alerts opened in it."""
    if not _exclusive(session):
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
            row_cache[key] = metric_rows(session, rule.subject, now - span, now)
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
    state = session.get(RuleState, key, with_for_update=True)
    if state is None:
        state = RuleState(key=key, episodes=0, updated_at=now)
        session.add(state)
    if not obs.judged:
        return None
    state.last_value, state.updated_at = obs.value, now
    current = session.get(Alert, state.open_alert_id) if state.open_alert_id else None
    if current is not None and current.state == "resolved":  # a supervisor resolved it: quiet time starts then
        state.last_resolved_at, state.open_alert_id, current = current.resolved_at, None, None
    if not obs.breached:
        state.breach_since = None
        if current is not None and rule.auto_resolve:
            lifecycle.resolve(session, current, lifecycle.SYSTEM, f"condition cleared: {obs.detail}", now, destinations)
            state.last_resolved_at, state.open_alert_id = now, None
        return None
    if current is not None:
        current.value = obs.value
        return None
    state.breach_since = state.breach_since or now
    if (now - state.breach_since).total_seconds() < rule.persist_for_seconds:
        return None
    if state.last_resolved_at and (now - state.last_resolved_at).total_seconds() < rule.suppress_for_seconds:
        return None
    state.episodes += 1
    alert = Alert(
        dedup_key=f"{key}:{state.episodes}",
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
