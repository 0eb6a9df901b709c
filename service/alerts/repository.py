"""Queries of alerts."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.alerts.models import Alert, AlertTransition
from service.db import Window, read_window


def alerts_of_interaction(session: Session, interaction_id: str) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.interaction_id == interaction_id).order_by(Alert.id)))


def list_alerts(
    session: Session,
    *,
    filters: dict[str, str | None],
    start: datetime | None,
    end: datetime | None,
    window: Window,
) -> tuple[list[Alert], bool, int | None]:
    """Newest first; `window.after` is (id,)."""
    conds = [getattr(Alert, name) == value for name, value in filters.items() if value is not None]
    if start:
        conds.append(Alert.raised_at >= start)
    if end:
        conds.append(Alert.raised_at < end)
    return read_window(session, select(Alert).where(*conds), [(Alert.id, True)], window)


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
