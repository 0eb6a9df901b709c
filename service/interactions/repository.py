"""Queries of events and interactions. Only this module talks SQL about them."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from service.alerts.aggregates import Row
from service.db import (
    Window,
    in_chunks,
    insert_ignoring_conflicts,
    insert_or_lock,
    one_of,
    read_window,
    update_by_key,
)
from service.events.model import Event, EventType
from service.interactions.models import EventRecord, Interaction
from service.outcomes.repository import Subject
from service.scoring.types import InteractionScore, Status


def to_event(r: EventRecord) -> Event:
    return Event(
        event_id=r.event_id,
        type=EventType(r.type),
        occurred_at=r.occurred_at,
        interaction_id=r.interaction_id,
        agent_id=r.agent_id,
        team_id=r.team_id,
        queue_id=r.queue_id,
        payload=r.payload,
    )


def known_event_ids(session: Session, event_ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for matches in one_of(session, EventRecord.event_id, list(set(event_ids))):
        found.update(session.scalars(select(EventRecord.event_id).where(matches)))
    return found


def insert_events(session: Session, events: Sequence[tuple[Event, str]], now: datetime) -> set[str]:
    """Each event with its source; returns the ids inserted (an id another writer stored first is a duplicate)."""
    rows = [
        {
            "event_id": e.event_id,
            "interaction_id": e.interaction_id,
            "type": e.type.value,
            "occurred_at": e.occurred_at,
            "received_at": now,
            "source": source,
            "agent_id": e.agent_id,
            "team_id": e.team_id,
            "queue_id": e.queue_id,
            "payload": dict(e.payload),
        }
        for e, source in events
    ]
    return insert_ignoring_conflicts(session, EventRecord, rows, "event_id")


def unstore_events(session: Session, event_ids: Sequence[str]) -> None:
    """Events this transaction stored that a check of the interaction they join then rejected (events are stored
    first: the insert is what tells a new event from a duplicate)."""
    for matches in one_of(session, EventRecord.event_id, event_ids):
        session.execute(delete(EventRecord).where(matches).execution_options(synchronize_session=False))


@dataclass(frozen=True, slots=True)
class Locked:
    """What scoring reads of an interaction's row (not its stored score: that is only ever written)."""

    id: str
    standard_version: str
    started_at: datetime
    event_count: int  # 0: a placeholder this transaction created
    final: bool
    subject: Subject  # its agent, team and queue before this score (a change moves its outcomes: _rescore)
    revision: int  # scores written so far (see Interaction.revision)

    @classmethod
    def of(cls, r: Any) -> "Locked":
        subject = Subject(r.agent_id, r.team_id, r.queue_id)
        return cls(r.id, r.standard_version, r.started_at, r.event_count, r.final, subject, r.revision)


_T = Interaction.__table__.c
_LOCKED = (
    "id",
    "standard_version",
    "started_at",
    "event_count",
    "final",
    "agent_id",
    "team_id",
    "queue_id",
    "revision",
)


def lock_interactions(
    session: Session, firsts: Sequence[Event], version_of: Callable[[Event], str], now: datetime
) -> dict[str, Locked]:
    """The interactions' rows, created if new (judged by `version_of` their first event) and locked
    (PostgreSQL) so concurrent writers score in turn: one statement (db.insert_or_lock).

    Rows are created and locked in id order: two consumers with overlapping batches can never deadlock.
    """
    placeholders: list[dict[str, Any]] = [
        {
            "id": e.interaction_id,
            "kind": e.type.kind,
            "status": "new",
            "final": False,
            "started_at": e.occurred_at,
            "standard_version": version_of(e),
            "scored_at": now,
            "score": {},
        }
        for e in sorted(firsts, key=lambda e: e.interaction_id)
    ]
    rows = insert_or_lock(session, Interaction, placeholders, "id", "final", _LOCKED)
    return {r.id: Locked.of(r) for r in sorted(rows, key=lambda r: r.id)}


def locked(session: Session, interaction_ids: Sequence[str]) -> dict[str, Locked]:
    """The rows of these interactions, locked (PostgreSQL), in id order; only the columns scoring reads (Core:
    neither the stored score's JSON nor ORM objects, which a batch would only throw away)."""
    out: dict[str, Locked] = {}
    sqlite = session.get_bind().dialect.name == "sqlite"
    for matches in one_of(session, _T.id, sorted(interaction_ids)):
        if sqlite:
            # SQLite ignores FOR UPDATE, and its driver begins a transaction only at the first write: without one
            # first, an event committed between this read and the score's UPDATE would be overwritten by a score
            # that never saw it. A write that changes nothing takes SQLite's one write lock.
            touch = update(Interaction).where(matches).values(final=_T.final)
            session.execute(touch.execution_options(synchronize_session=False))
        stmt = select(*(_T[n] for n in _LOCKED)).where(matches).order_by(_T.id).with_for_update()
        out.update((r.id, Locked.of(r)) for r in session.execute(stmt))
    return out


def delete_placeholders(session: Session, interaction_ids: Sequence[str]) -> None:
    """Rows created for a batch of which nothing was stored."""
    for matches in one_of(session, Interaction.id, interaction_ids):
        session.execute(delete(Interaction).where(matches).execution_options(synchronize_session=False))


def events_of_many(session: Session, interaction_ids: Sequence[str]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {i: [] for i in interaction_ids}
    for matches in one_of(session, EventRecord.interaction_id, interaction_ids):
        stmt = select(EventRecord).where(matches).order_by(EventRecord.id)
        for r in session.scalars(stmt):
            out[r.interaction_id].append(to_event(r))
    return out


def score_columns(row: Locked, score: InteractionScore, event_count: int, document: dict[str, Any]) -> dict[str, Any]:
    """The interaction row's new values after a score (see save_scores); `document` is the score as JSON."""
    r = score.response
    first_reply = next((i.status for i in score.items if i.id == "first_reply_time"), None)
    return {
        "id": row.id,
        "kind": score.kind,
        "status": score.status,
        "final": score.final,
        "agent_id": score.agent_id,
        "team_id": score.team_id,
        "queue_id": score.queue_id,
        "started_at": score.started_at or row.started_at,
        "ended_at": score.ended_at,
        "standard_version": score.standard_version,
        "quality_score": score.quality_score,
        "passed": score.passed,
        "critical_failure": score.critical_failure,
        "compliance_passed": score.compliance_passed,
        "compliance_failed": score.compliance_failed,
        "answer_wait_seconds": r.answer_wait_seconds,
        "counts_for_service_level": r.counts_for_service_level,
        "answered_within_limit": r.answered_within_limit,
        "abandoned": r.abandoned,
        "first_reply_seconds": r.first_reply_seconds,
        "first_reply_overdue": {Status.FAIL: True, Status.PASS: False}.get(first_reply) if first_reply else None,
        "resolution_seconds": r.resolution_seconds,
        "customer_sentiment_mean": score.sentiment.customer_mean,
        "event_count": event_count,
        "revision": row.revision + 1,
        "next_due_at": score.next_deadline,
        "scored_at": score.scored_at,
        "score": document,
    }


def save_scores(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Every rescored row of a batch in one UPDATE (Core: no unit of work per row)."""
    update_by_key(session, Interaction, list(rows), "id")


def due_interaction_ids(session: Session, now: datetime, limit: int) -> list[str]:
    """Live interactions whose next deadline has passed; SKIP LOCKED lets several processes share the sweep."""
    stmt = (
        select(Interaction.id)
        .where(Interaction.next_due_at.is_not(None), Interaction.next_due_at <= now, Interaction.final.is_(False))
        .order_by(Interaction.next_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def list_interactions(
    session: Session,
    *,
    agent_id: str | None,
    team_id: str | None,
    queue_id: str | None,
    kind: str | None,
    passed: bool | None,
    start: datetime | None,
    end: datetime | None,
    window: Window,
) -> tuple[list[Interaction], bool, int | None]:
    """Latest first; `window.after` is (started_at, id)."""
    conds = [Interaction.status != "new"]
    for col, value in (
        (Interaction.agent_id, agent_id),
        (Interaction.team_id, team_id),
        (Interaction.queue_id, queue_id),
        (Interaction.kind, kind),
        (Interaction.passed, passed),
    ):
        if value is not None:
            conds.append(col == value)
    if start:
        conds.append(Interaction.started_at >= start)
    if end:
        conds.append(Interaction.started_at < end)
    order = [(Interaction.started_at, True), (Interaction.id, False)]
    return read_window(session, select(Interaction).where(*conds), order, window)


def event_records_of(session: Session, interaction_id: str) -> list[EventRecord]:
    stmt = select(EventRecord).where(EventRecord.interaction_id == interaction_id)
    return sorted(session.scalars(stmt), key=lambda r: (r.occurred_at, r.id))


def live_interactions(session: Session, kind: str | None, limit: int) -> list[Interaction]:
    conds = [Interaction.final.is_(False), Interaction.status != "new"]
    if kind:
        conds.append(Interaction.kind == kind)
    stmt = select(Interaction).where(*conds).order_by(Interaction.started_at.desc()).limit(limit)
    return list(session.scalars(stmt))


def window_rows(
    session: Session, subject: str, since: datetime, until: datetime, subject_id: str | None = None
) -> list[Row]:
    """One row per interaction of a queue, team or agent (`subject`; only `subject_id`'s when given) started in
    [since, until): what the window and control-limit rules judge (service.alerts.evaluator), and what a
    corrective action's metric is measured on (service.reviews)."""
    i = Interaction
    column = {"queue": i.queue_id, "team": i.team_id, "agent": i.agent_id}[subject]
    stmt = select(
        column, i.started_at, i.counts_for_service_level, i.answered_within_limit, i.abandoned,
        i.compliance_passed, i.compliance_failed, i.customer_sentiment_mean, i.quality_score, i.final,
        i.first_reply_overdue,
    ).where(column.is_not(None), i.started_at >= since, i.started_at < until, i.status != "new")  # fmt: skip
    if subject_id is not None:
        stmt = stmt.where(column == subject_id)
    return [Row(*r) for r in session.execute(stmt)]  # type: ignore[arg-type]


def judged_by(session: Session, start: datetime, end: datetime) -> list[tuple[str, str]]:
    """(interaction id, the standard version that judged it) of the interactions started in [start, end)."""
    stmt = (
        select(Interaction.id, Interaction.standard_version)
        .where(Interaction.started_at >= start, Interaction.started_at < end, Interaction.status != "new")
        .order_by(Interaction.started_at, Interaction.id)
    )
    return [(row.id, row.standard_version) for row in session.execute(stmt)]


def subjects_of(session: Session, interaction_ids: Iterable[str]) -> dict[str, Subject]:
    """The agent, team and queue of the interactions callqa knows (whom their outcomes count for)."""
    i = Interaction
    out = {}
    for chunk in in_chunks(sorted(set(interaction_ids))):
        stmt = select(i.id, i.agent_id, i.team_id, i.queue_id).where(i.id.in_(chunk))
        out.update({r.id: Subject(r.agent_id, r.team_id, r.queue_id) for r in session.execute(stmt)})
    return out


def last_event_times(session: Session, interaction_ids: Sequence[str]) -> dict[str, datetime]:
    """When each interaction last heard an event (a live call silent too long has lost its call.ended)."""
    out: dict[str, datetime] = {}
    for chunk in in_chunks(interaction_ids):
        stmt = (
            select(EventRecord.interaction_id, func.max(EventRecord.occurred_at))
            .where(EventRecord.interaction_id.in_(chunk))
            .group_by(EventRecord.interaction_id)
        )
        out.update({iid: at for iid, at in session.execute(stmt)})
    return out


def expired_events(session: Session, cutoff: datetime, limit: int) -> list[EventRecord]:
    """Up to `limit` events, oldest first, of interactions whose score is final and that ended before `cutoff`."""
    finished = select(Interaction.id).where(
        Interaction.final.is_(True), func.coalesce(Interaction.ended_at, Interaction.started_at) < cutoff
    )
    stmt = (
        select(EventRecord)
        .where(EventRecord.received_at < cutoff, EventRecord.interaction_id.in_(finished))
        .order_by(EventRecord.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def delete_events(session: Session, ids: Sequence[int]) -> None:
    session.execute(delete(EventRecord).where(EventRecord.id.in_(ids)).execution_options(synchronize_session=False))
