"""Alert states: open -> acknowledged -> resolved (or open -> resolved); escalation is a marked transition.

Every change is a new `AlertTransition` row (time, actor, note); the alert row keeps the latest facts.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from service import telemetry
from service.alerts.models import Alert, AlertTransition
from service.alerts.notify import Destinations, enqueue
from service.alerts.repository import unacknowledged_critical
from service.db import insert_rows

SYSTEM = "callqa"


class TransitionError(ValueError):
    """The change is not allowed from the alert's current state."""


def record(
    session: Session,
    alert: Alert,
    to_state: str,
    actor: str,
    note: str | None,
    now: datetime,
    destinations: Destinations,
) -> AlertTransition:
    return record_many(session, [(alert, note)], to_state, actor, now, destinations)[0]


def record_many(
    session: Session,
    changes: Sequence[tuple[Alert, str | None]],
    to_state: str,
    actor: str,
    now: datetime,
    destinations: Destinations,
) -> list[AlertTransition]:
    """The same change of several alerts, each with its note: their transitions in one INSERT ... RETURNING id (the
    deliveries need the ids), and their deliveries in another; not one round trip, nor one ORM object to flush,
    per alert."""
    rows = [
        {"alert_id": alert.id, "at": now, "from_state": None if alert.state == to_state else alert.state,
         "to_state": to_state, "actor": actor, "note": note}
        for alert, note in changes
    ]  # fmt: skip
    if not rows:
        return []
    session.flush()  # the alerts' own pending changes first, as a flush of the transitions would
    ids = _insert_transitions(session, rows)
    transitions = [AlertTransition(id=i, **row) for i, row in zip(ids, rows, strict=True)]  # not added: written
    enqueue(session, transitions, destinations, now)
    return transitions


_TRANSITIONS = cast(Table, AlertTransition.__table__)


def _insert_transitions(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """The new rows' ids, in the order of `rows`: one change per alert (the usual case) finds each id by its alert
    (one statement for all, db.insert_rows); several of one alert are inserted in order, one by one."""
    alert_ids = [row["alert_id"] for row in rows]
    if len(set(alert_ids)) < len(alert_ids):
        return [insert_rows(session, _TRANSITIONS, [row], ("id",))[0].id for row in rows]
    by_alert = {r.alert_id: r.id for r in insert_rows(session, _TRANSITIONS, rows, ("alert_id", "id"))}
    return [by_alert[alert_id] for alert_id in alert_ids]


def opened(session: Session, alerts: list[Alert], now: datetime, destinations: Destinations) -> None:
    record_many(session, [(alert, None) for alert in alerts], "open", SYSTEM, now, destinations)
    telemetry.observe_opened(alerts)  # the one place every new alert passes, from a score or a window rule


def acknowledge(
    session: Session, alert: Alert, actor: str, note: str | None, now: datetime, destinations: Destinations
) -> Alert:
    if alert.state != "open":
        by = alert.acknowledged_by or alert.resolved_by
        raise TransitionError(f"alert {alert.id} is already {alert.state}" + (f" by {by}" if by else ""))
    record(session, alert, "acknowledged", actor, note, now, destinations)
    alert.state, alert.acknowledged_at, alert.acknowledged_by = "acknowledged", now, actor
    return alert


def resolve(
    session: Session, alert: Alert, actor: str, note: str | None, now: datetime, destinations: Destinations
) -> Alert:
    return resolve_many(session, [(alert, note)], actor, now, destinations)[0]


def resolve_many(
    session: Session, changes: Sequence[tuple[Alert, str | None]], actor: str, now: datetime, destinations: Destinations
) -> list[Alert]:
    """`resolve` for several alerts, each with its note, at once."""
    for alert, _ in changes:
        if alert.state == "resolved":
            raise TransitionError(f"alert {alert.id} is already resolved by {alert.resolved_by}")
    record_many(session, changes, "resolved", actor, now, destinations)
    for alert, _ in changes:
        alert.state, alert.resolved_at, alert.resolved_by = "resolved", now, actor
    return [alert for alert, _ in changes]


def reopen(session: Session, alert: Alert, note: str, now: datetime, destinations: Destinations) -> Alert:
    """callqa opens again an alert it resolved itself (a withdrawn finding whose breach is back): a transition from
    resolved to open, sent like any other; the acknowledgement of the earlier episode no longer holds."""
    if alert.state != "resolved" or alert.resolved_by != SYSTEM:
        raise TransitionError(
            f"alert {alert.id} is {alert.state}" + (f" by {alert.resolved_by}" if alert.resolved_by else "")
        )
    record(session, alert, "open", SYSTEM, note, now, destinations)
    alert.state, alert.resolved_at, alert.resolved_by = "open", None, None
    alert.acknowledged_at, alert.acknowledged_by = None, None
    return alert


def escalate_overdue(session: Session, after_seconds: float, now: datetime, destinations: Destinations) -> list[Alert]:
    """Critical alerts nobody acknowledged in time are escalated once (a transition, a new delivery)."""
    alerts = unacknowledged_critical(session, now - timedelta(seconds=after_seconds))
    for alert in alerts:
        waited = int((now - alert.raised_at).total_seconds())
        record(session, alert, "escalated", SYSTEM, f"unacknowledged for {waited} s", now, destinations)
        alert.escalated_at = now
    return alerts
