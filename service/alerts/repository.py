"""Queries of alerts: the API's reads, and what the alert services lock and change."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from service.alerts.models import Alert, AlertTransition, Delivery, RuleState
from service.db import in_chunks


def alerts_of_interaction(session: Session, interaction_id: str) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.interaction_id == interaction_id).order_by(Alert.id)))


def list_alerts(
    session: Session,
    *,
    filters: dict[str, str | None],
    start: datetime | None,
    end: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[Alert], int]:
    conds = [getattr(Alert, name) == value for name, value in filters.items() if value is not None]
    if start:
        conds.append(Alert.raised_at >= start)
    if end:
        conds.append(Alert.raised_at < end)
    total = session.scalar(select(func.count()).select_from(Alert).where(*conds)) or 0
    rows = session.scalars(select(Alert).where(*conds).order_by(Alert.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def transitions_of(session: Session, alert_id: int) -> list[AlertTransition]:
    stmt = select(AlertTransition).where(AlertTransition.alert_id == alert_id).order_by(AlertTransition.id)
    return list(session.scalars(stmt))


def last_transition_id(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(AlertTransition.id), 0))) or 0


def transitions_after(session: Session, after: int, limit: int) -> list[tuple[AlertTransition, Alert]]:
    stmt = (
        select(AlertTransition, Alert)
        .join(Alert, Alert.id == AlertTransition.alert_id)
        .where(AlertTransition.id > after)
        .order_by(AlertTransition.id)
        .limit(limit)
    )
    return [(t, a) for t, a in session.execute(stmt)]


def known_dedup_keys(session: Session, keys: Sequence[str]) -> set[str]:
    known: set[str] = set()
    for chunk in in_chunks(keys):
        known.update(session.scalars(select(Alert.dedup_key).where(Alert.dedup_key.in_(chunk))))
    return known


def alerts_by_dedup_keys(session: Session, keys: set[str]) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.dedup_key.in_(keys)).order_by(Alert.id)))


def unresolved_of_interactions(session: Session, interaction_ids: Sequence[str]) -> list[Alert]:
    """The interactions' unresolved alerts, locked (another process may be resolving them too)."""
    out: list[Alert] = []
    for chunk in in_chunks(interaction_ids):
        stmt = (
            select(Alert)
            .where(Alert.subject_kind == "interaction", Alert.interaction_id.in_(chunk))
            .where(Alert.state != "resolved")
            .order_by(Alert.id)
            .with_for_update()
        )
        out.extend(session.scalars(stmt))
    return out


def unacknowledged_critical(session: Session, raised_by: datetime) -> list[Alert]:
    """Open critical alerts raised by then and not yet escalated, locked; those another process holds are skipped."""
    stmt = (
        select(Alert)
        .where(Alert.state == "open", Alert.severity == "critical", Alert.escalated_at.is_(None))
        .where(Alert.raised_at <= raised_by)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def open_alert_counts(session: Session, states: Sequence[str]) -> dict[tuple[str, str], int]:
    """Alerts in these states, counted by (severity, state)."""
    stmt = select(Alert.severity, Alert.state, func.count()).where(Alert.state.in_(states))
    stmt = stmt.group_by(Alert.severity, Alert.state)
    return {(severity, state): n for severity, state, n in session.execute(stmt)}


def rule_state(session: Session, key: str) -> RuleState | None:
    return session.get(RuleState, key, with_for_update=True)


def evaluate_exclusively(session: Session) -> bool:
    """One process evaluates the window rules at a time (PostgreSQL advisory lock, released at commit); SQLite has
    one writer."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(4242001)")))


def supersede_alertmanager_pushes(session: Session, transition: AlertTransition) -> None:
    """Alertmanager holds an alert's state, not its history: only the newest push of an alert is kept going (it
    is re-sent while the alert is open), so earlier ones still pending stop."""
    earlier = select(AlertTransition.id).where(
        AlertTransition.alert_id == transition.alert_id, AlertTransition.id != transition.id
    )
    session.execute(
        update(Delivery)
        .where(Delivery.destination == "alertmanager", Delivery.status == "pending")
        .where(Delivery.transition_id.in_(earlier))
        .values(status="superseded")
        .execution_options(synchronize_session=False)
    )
