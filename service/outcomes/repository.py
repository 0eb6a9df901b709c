"""Queries of survey answers and contacts. Only this module talks SQL about them (the KPI aggregates are in
service/kpis/repository.py)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple, cast

from sqlalchemy import String, Table, Update, bindparam, func, select, text, tuple_, update
from sqlalchemy.orm import Session

from service.db import in_chunks, insert_ignoring_conflicts, one_of
from service.events.model import Event
from service.outcomes.models import SUBJECTS, Contact, SurveyAnswer

ContactKey = tuple[str, str]  # (customer_id, reason)


class Subject(NamedTuple):
    """An interaction's agent, team and queue (any of them may be unknown)."""

    agent_id: str | None
    team_id: str | None
    queue_id: str | None

    def over(self, e: Event) -> "Subject":
        """This subject where it names one, else the event's own: whom an outcome counts for."""
        return Subject(self.agent_id or e.agent_id, self.team_id or e.team_id, self.queue_id or e.queue_id)


NO_SUBJECT = Subject(None, None, None)


def known_outcome_ids(session: Session, event_ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in in_chunks(sorted(set(event_ids))):
        found.update(session.scalars(select(SurveyAnswer.event_id).where(SurveyAnswer.event_id.in_(chunk))))
        found.update(session.scalars(select(Contact.event_id).where(Contact.event_id.in_(chunk))))
    return found


def _row(e: Event, source: str, now: datetime, subject: Subject) -> dict[str, object]:
    return {
        "event_id": e.event_id,
        "interaction_id": e.interaction_id,
        "received_at": now,
        "source": source,
        "agent_id": e.agent_id,
        "team_id": e.team_id,
        "queue_id": e.queue_id,
        "subject_agent_id": subject.agent_id,
        "subject_team_id": subject.team_id,
        "subject_queue_id": subject.queue_id,
    }


Sourced = tuple[Event, str]  # an event and the ingest path or source it came by
Subjects = dict[str, Subject]  # event id -> whom the outcome counts for (Subject.over)


def insert_survey_answers(session: Session, events: Sequence[Sourced], now: datetime, subjects: Subjects) -> set[str]:
    """Returns the event ids inserted; one another writer stored first is left out (a duplicate)."""
    rows = [
        {
            **_row(e, source, now, subjects[e.event_id]),
            "answered_at": e.occurred_at,
            "csat": e.payload.get("csat"),
            "nps": e.payload.get("nps"),
        }
        for e, source in events
    ]
    return insert_ignoring_conflicts(session, SurveyAnswer, rows, "event_id")


def lock_contact_keys(session: Session, keys: Iterable[ContactKey]) -> None:
    """PostgreSQL: one transaction at a time per customer and reason, in key order (no deadlock), so the gaps
    between their contacts are computed from every contact. SQLite writers are serialised already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for customer, reason in sorted(set(keys)):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"{customer}\x1f{reason}"})


@dataclass(slots=True)
class ContactWrites:
    """What upsert_contacts did with each event, by event id, and the (customer, reason) keys it changed."""

    inserted: set[str] = field(default_factory=set)  # a new contact
    replaced: set[str] = field(default_factory=set)  # a newer reason for a contact already known
    superseded: set[str] = field(default_factory=set)  # older than the reason already known: kept out
    touched: set[ContactKey] = field(default_factory=set)  # old keys of a replaced reason included


def upsert_contacts(session: Session, events: Sequence[Sourced], now: datetime, subjects: Subjects) -> ContactWrites:
    """One contact per interaction, the latest `contact.reason` by occurred_at winning."""
    out = ContactWrites()
    latest: dict[str, Event] = {}
    sources: dict[str, str] = {}
    for e, source in sorted(events, key=lambda pair: pair[0].occurred_at):
        if e.interaction_id in latest:
            out.superseded.add(latest[e.interaction_id].event_id)
        latest[e.interaction_id], sources[e.event_id] = e, source
    rows = {
        e.interaction_id: {
            **_row(e, sources[e.event_id], now, subjects[e.event_id]),
            "customer_id": e.payload["customer_id"],
            "reason": e.payload["reason"],
            "contacted_at": e.occurred_at,
        }
        for e in latest.values()
    }
    new = insert_ignoring_conflicts(session, Contact, list(rows.values()), "interaction_id")
    for iid in new:
        out.inserted.add(latest[iid].event_id)
        out.touched.add((rows[iid]["customer_id"], rows[iid]["reason"]))  # type: ignore[arg-type]
    known = [iid for iid in rows if iid not in new]
    if known:
        stmt = select(Contact).where(Contact.interaction_id.in_(known)).with_for_update()
        for contact in session.scalars(stmt):
            row = rows[contact.interaction_id]
            if row["contacted_at"] < contact.contacted_at:  # type: ignore[operator]
                out.superseded.add(str(row["event_id"]))
                continue
            out.touched.add((contact.customer_id, contact.reason))
            for name, value in row.items():
                setattr(contact, name, value)
            out.touched.add((contact.customer_id, contact.reason))
            out.replaced.add(contact.event_id)
    session.flush()
    return out


def refresh_gaps(session: Session, keys: Iterable[ContactKey]) -> list[Contact]:
    """Recompute the gap to the next contact of the same customer and reason; returns the contacts of `keys`,
    in time order per key. A customer has few contacts per reason: reading them all is cheap and always right,
    whatever order the events came in."""
    keys = sorted(set(keys))
    if not keys:
        return []
    stmt = (
        select(Contact)
        .where(tuple_(Contact.customer_id, Contact.reason).in_(keys))
        .order_by(Contact.customer_id, Contact.reason, Contact.contacted_at, Contact.interaction_id)
    )
    contacts = list(session.scalars(stmt))
    for here, after in zip(contacts, [*contacts[1:], None], strict=True):
        same_key = after is not None and (after.customer_id, after.reason) == (here.customer_id, here.reason)
        gap = (after.contacted_at - here.contacted_at).total_seconds() if same_key and after else None
        if here.next_contact_gap_seconds != gap:
            here.next_contact_gap_seconds = gap
    return contacts


def surveys_of(session: Session, interaction_id: str) -> list[SurveyAnswer]:
    stmt = (
        select(SurveyAnswer)
        .where(SurveyAnswer.interaction_id == interaction_id)
        .order_by(SurveyAnswer.answered_at, SurveyAnswer.event_id)
    )
    return list(session.scalars(stmt))


def contact_of(session: Session, interaction_id: str) -> Contact | None:
    return session.get(Contact, interaction_id)


def follow_subjects(session: Session, interactions: Mapping[str, Subject]) -> None:
    """Interactions whose agent, team or queue changed (a first score names them, a transfer changes them): their
    outcome rows count for the new subject from now on, in KPI trees and scorecards of any period (each name the
    interaction gives, else the row's own). Most have no outcome rows yet (a survey comes after the call): one
    index read per table finds those that do, and only their rows are rewritten."""
    for model in (SurveyAnswer, Contact):
        table = cast(Table, model.__table__)
        with_rows: list[str] = []
        for matches in one_of(session, table.c.interaction_id, sorted(interactions)):
            with_rows.extend(session.scalars(select(table.c.interaction_id).where(matches).distinct()))
        if with_rows:
            new = [{"iid": i, **{f"new_{s}": getattr(interactions[i], f"{s}_id") for s in SUBJECTS}} for i in with_rows]
            session.execute(_follow(table), new)


@lru_cache(maxsize=2)
def _follow(table: Table) -> Update:
    own_else = {s: func.coalesce(bindparam(f"new_{s}", type_=String()), table.c[f"{s}_id"]) for s in SUBJECTS}
    values = {f"subject_{s}_id": value for s, value in own_else.items()}
    return update(table).where(table.c.interaction_id == bindparam("iid")).values(values)
