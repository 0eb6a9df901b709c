"""Queries of alerts: the API's reads, and what the alert services lock and change."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, text, tuple_, update
from sqlalchemy.orm import Session

from service.alerts.book import Known
from service.alerts.models import Alert, AlertTransition, Delivery, RuleState
from service.db import Window, in_chunks, one_of, read_window


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


def alert_books(session: Session, interaction_ids: Sequence[str]) -> dict[str, dict[str, Known]]:
    """Every alert about these interactions, by dedup key, each with what the alert services decide on."""
    books: dict[str, dict[str, Known]] = {i: {} for i in interaction_ids}
    a = Alert
    for matches in one_of(session, a.interaction_id, interaction_ids):
        stmt = select(a.interaction_id, a.dedup_key, a.state, a.resolved_by, a.standard_version, a.subject_kind).where(
            matches
        )
        for r in session.execute(stmt):
            books[r.interaction_id][r.dedup_key] = Known(r.state, r.resolved_by, r.standard_version, r.subject_kind)
    return books


def resolved_by_dedup_keys(session: Session, keys: Sequence[str], actor: str) -> list[Alert]:
    """The alerts of these keys that `actor` resolved, locked (another process may be reopening them too)."""
    out: list[Alert] = []
    for chunk in in_chunks(keys):
        stmt = (
            select(Alert)
            .where(Alert.dedup_key.in_(chunk), Alert.state == "resolved", Alert.resolved_by == actor)
            .order_by(Alert.id)
            .with_for_update()
        )
        out.extend(session.scalars(stmt))
    return out


def unresolved_by_dedup_keys(session: Session, keys: Sequence[str]) -> list[Alert]:
    """The interaction alerts of these keys not resolved yet, locked (a supervisor may be resolving them too)."""
    out: list[Alert] = []
    for matches in one_of(session, Alert.dedup_key, keys):
        stmt = (
            select(Alert)
            .where(Alert.subject_kind == "interaction", matches, Alert.state != "resolved")
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


# The delivery worker's outbox (service/alerts/delivery.py): due rows, claims and the results recorded on them.
def _due(destination: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return Delivery.status == "pending", Delivery.next_attempt_at <= now, Delivery.destination == destination


def any_due(session: Session, destination: str, now: datetime) -> bool:
    return session.scalar(select(Delivery.id).where(*_due(destination, now)).limit(1)) is not None


def claim_due(
    session: Session, destination: str, now: datetime, batch: int, lease_until: datetime
) -> list[tuple[Delivery, AlertTransition, Alert]]:
    """Up to `batch` due rows, claimed (attempts counted, due again at the end of the lease), with their transition
    and alert. One UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED): on PostgreSQL concurrent workers
    skip each other's rows; on SQLite the statement's first step is a write, so it waits for the single writer
    instead of failing on a read snapshot another writer has made stale."""
    due = select(Delivery.id).where(*_due(destination, now)).order_by(Delivery.id).limit(batch)
    stmt = (
        update(Delivery)
        .where(Delivery.id.in_(due.with_for_update(skip_locked=True).scalar_subquery()))
        .values(attempts=Delivery.attempts + 1, next_attempt_at=lease_until)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(session.scalars(stmt))
    rows = session.execute(
        select(Delivery, AlertTransition, Alert)
        .join(AlertTransition, AlertTransition.id == Delivery.transition_id)
        .join(Alert, Alert.id == AlertTransition.alert_id)
        .where(Delivery.id.in_(ids))
        .order_by(Delivery.id)
    )
    return [(d, t, a) for d, t, a in rows]


def update_if_claimed(session: Session, delivery_id: int, attempt: int, values: dict[str, object]) -> None:
    """The row, only while it still carries this claim: a claim that expired meanwhile may be another's now."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.attempts == attempt, Delivery.status == "pending")
        .values(values)
        .execution_options(synchronize_session=False)
    )


def update_all_if_claimed(session: Session, results: Sequence[tuple[int, int, dict[str, object]]]) -> None:
    """update_if_claimed for many (id, attempt, values) rows: one UPDATE per distinct set of values (a batch that
    went out is one set: delivered at the same instant)."""
    groups: dict[tuple[tuple[str, object], ...], list[tuple[int, int]]] = {}
    for delivery_id, attempt, values in results:
        groups.setdefault(tuple(values.items()), []).append((delivery_id, attempt))
    for items, claims in groups.items():
        for chunk in in_chunks(claims):
            session.execute(
                update(Delivery)
                .where(tuple_(Delivery.id, Delivery.attempts).in_(chunk), Delivery.status == "pending")
                .values(dict(items))
                .execution_options(synchronize_session=False)
            )
