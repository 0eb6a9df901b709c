"""Queries of review cases, their links, changes and corrective actions. Only this module talks SQL about them."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.alerts.lifecycle import SYSTEM
from service.alerts.models import Alert
from service.db import Base, Window, insert_ignoring_conflicts, read_window
from service.interactions.models import Interaction
from service.kpis.buckets import Bucket, period_key
from service.kpis.repository import Scope, dialect_of, narrow
from service.reviews.models import CorrectiveAction, ReviewCase, ReviewCaseChange, ReviewCaseLink
from service.reviews.workflow import ACTIVE, STATUSES

ACTION_VERDICTS = ("pending", "worked", "did_not_work", "inconclusive")


def open_case_ids(session: Session, keys: Collection[str]) -> dict[str, int]:
    """The open case of each subject key that has one, locked; in key order, so that two sweeps that want the
    same cases take them in the same order and never wait on each other in a circle."""
    if not keys:
        return {}
    c = ReviewCase
    stmt = select(c.open_key, c.id).where(c.open_key.in_(sorted(keys))).order_by(c.open_key).with_for_update()
    return {key: case_id for key, case_id in session.execute(stmt) if key is not None}


def insert_open_cases(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """The keys of the cases inserted: a subject that has an open case (a second writer at the same time) keeps
    the first one. In key order, as open_case_ids."""
    return insert_ignoring_conflicts(session, ReviewCase, sorted(rows, key=lambda r: r["open_key"]), "open_key")


def add_once(session: Session, row: Base) -> bool:
    """Insert `row` in a savepoint; False when a unique key already holds it (another writer may have won the
    race): the caller answers that as a conflict or a no-op, never as a failed transaction."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def add_links(session: Session, rows: list[dict[str, Any]]) -> set[tuple[int, str, str]]:
    """(case id, kind, ref) of the links inserted; one a case already has (another writer may have just added
    it) is left as it is."""
    if not rows:
        return set()
    link = ReviewCaseLink
    stmt = _dialect_insert(session)(link).on_conflict_do_nothing(index_elements=[link.case_id, link.kind, link.ref])
    added = session.execute(stmt.returning(link.case_id, link.kind, link.ref), rows)
    return {(case_id, kind, ref) for case_id, kind, ref in added}


def _dialect_insert(session: Session) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (a unique key of several columns)."""
    return postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert


def add_changes(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(ReviewCaseChange), rows)


def touch_cases(session: Session, case_ids: Collection[int], now: datetime) -> None:
    if case_ids:
        session.execute(update(ReviewCase).where(ReviewCase.id.in_(sorted(case_ids))).values(updated_at=now))


def _unlinked(kind: str, ref: Any) -> Any:
    return ~exists().where(ReviewCaseLink.kind == kind, ReviewCaseLink.ref == ref)


def unlinked_alerts(
    session: Session, since: datetime, severities: frozenset[str], skip_rule: str, limit: int
) -> Sequence[Any]:
    """Alerts no case links yet, leaving out those callqa itself withdrew (later evidence cleared them): the
    columns a case is opened from."""
    a = Alert
    stmt = (
        select(a.id, a.subject_kind, a.subject_id, a.interaction_id, a.agent_id, a.team_id, a.queue_id, a.message)
        .where(a.raised_at >= since, a.severity.in_(sorted(severities)), a.rule != skip_rule)
        .where(or_(a.state != "resolved", a.resolved_by != SYSTEM))
        .where(_unlinked("alert", cast(a.id, String)))
        .order_by(a.id)
        .limit(limit)
    )
    return session.execute(stmt).all()


def unlinked_failures(session: Session, since: datetime, limit: int) -> Sequence[Any]:
    """Final failed interactions no case links yet: the columns a case is opened from."""
    i = Interaction
    stmt = (
        select(i.id, i.quality_score, i.critical_failure, i.agent_id, i.team_id, i.queue_id)
        .where(i.final.is_(True), i.passed.is_(False), i.scored_at >= since)
        .where(_unlinked("interaction", i.id))
        .order_by(i.scored_at, i.id)
        .limit(limit)
    )
    return session.execute(stmt).all()


def overdue_cases(session: Session, now: datetime, limit: int) -> list[ReviewCase]:
    stmt = (
        select(ReviewCase)
        .where(ReviewCase.status.in_(ACTIVE), ReviewCase.due_at <= now, ReviewCase.overdue_alert_id.is_(None))
        .order_by(ReviewCase.due_at, ReviewCase.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def due_actions(session: Session, now: datetime, limit: int) -> list[CorrectiveAction]:
    """Planned actions whose verification window has passed; SKIP LOCKED lets several processes share them."""
    stmt = (
        select(CorrectiveAction)
        .where(CorrectiveAction.status == "planned", CorrectiveAction.verify_at <= now)
        .order_by(CorrectiveAction.verify_at, CorrectiveAction.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def list_cases(
    session: Session,
    *,
    filters: dict[str, str | None],
    overdue_at: datetime | None,
    linked: tuple[str, str] | None = None,
    window: Window,
) -> tuple[list[ReviewCase], bool, int | None]:
    """Newest first; `window.after` is (id,). `linked`: (kind, ref) of an alert or interaction the case links."""
    conds = [getattr(ReviewCase, name) == value for name, value in filters.items() if value is not None]
    if overdue_at is not None:
        conds += [ReviewCase.status.in_(ACTIVE), ReviewCase.due_at <= overdue_at]
    if linked is not None:
        link = ReviewCaseLink
        conds.append(exists().where(link.case_id == ReviewCase.id, link.kind == linked[0], link.ref == linked[1]))
    return read_window(session, select(ReviewCase).where(*conds), [(ReviewCase.id, True)], window)


def links_of(session: Session, case_id: int) -> list[ReviewCaseLink]:
    stmt = select(ReviewCaseLink).where(ReviewCaseLink.case_id == case_id).order_by(ReviewCaseLink.id)
    return list(session.scalars(stmt))


def changes_of(session: Session, case_id: int) -> list[ReviewCaseChange]:
    stmt = select(ReviewCaseChange).where(ReviewCaseChange.case_id == case_id).order_by(ReviewCaseChange.id)
    return list(session.scalars(stmt))


def actions_of(session: Session, case_id: int) -> list[CorrectiveAction]:
    stmt = select(CorrectiveAction).where(CorrectiveAction.case_id == case_id).order_by(CorrectiveAction.id)
    return list(session.scalars(stmt))


def root_cause_counts(
    session: Session, scope: Scope, bucket: Bucket | None, time_zone: str
) -> list[tuple[str, str, int]]:
    """(bucket key or '', root cause, cases) of the cases opened in the scope whose root cause is recorded, closed
    ones included: the Pareto view's `root_causes` (service/kpis)."""
    c = ReviewCase
    key = period_key(c.opened_at, bucket, time_zone, dialect_of(session))
    stmt = select(key.label("bucket"), c.root_cause, func.count().label("n")).where(
        c.root_cause.is_not(None), c.opened_at >= scope.start, c.opened_at < scope.end
    )
    stmt = narrow(stmt, scope, c.team_id, c.queue_id, c.agent_id).group_by(key, c.root_cause)
    return [(r.bucket, r.root_cause, r.n) for r in session.execute(stmt)]


def case_counts(session: Session, now: datetime) -> tuple[dict[str, int], int]:
    """Cases not closed by status (every status, 0 included), and those not reviewed by their due time."""
    c = ReviewCase
    rows = session.execute(select(c.status, func.count()).where(c.status != "closed").group_by(c.status))
    found = {status: n for status, n in rows}
    overdue = select(func.count()).where(c.status.in_(ACTIVE), c.due_at <= now)
    return {s: found.get(s, 0) for s in STATUSES if s != "closed"}, session.scalar(overdue) or 0


def action_verdicts(session: Session) -> dict[str, int]:
    """Corrective actions by verdict: pending (not verified yet), worked, did_not_work, inconclusive (no data)."""
    a = CorrectiveAction
    verdict = case(
        (a.status != "verified", "pending"),
        (a.worked.is_(True), "worked"),
        (a.worked.is_(False), "did_not_work"),
        else_="inconclusive",
    )
    found = {v: n for v, n in session.execute(select(verdict, func.count()).group_by(verdict))}
    return {v: found.get(v, 0) for v in ACTION_VERDICTS}
