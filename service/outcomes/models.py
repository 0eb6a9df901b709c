"""Tables of survey answers and of contacts (an interaction with its customer and reason).

Both carry the subject the KPIs count them under (`subject_*`): their interaction's agent, team and queue where
the interaction names one, else the row's own. It is written with the row and rewritten whenever the
interaction's subject changes (service/outcomes/service.py), so KPI trees and scorecards group and filter outcome
rows by an index of their own instead of looking up each row's interaction (at a year of history that was 2 s
for a scorecard and 7 s for the KPI tree).
"""

from datetime import datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime

SUBJECTS = ("agent", "team", "queue")


def subject_indexes(table: str, at: str) -> tuple[Index, ...]:
    """(subject, time) per subject: a scorecard's outcome rows of one agent, team or queue in a time range."""
    return tuple(Index(f"ix_{table}_subject_{s}_{at}", f"subject_{s}_id", at) for s in SUBJECTS)


class SurveyAnswer(Base):
    """One `survey.answered` event: `event_id` is its idempotency key. Agent, team and queue are the event's own,
    used when callqa never saw the interaction the survey is about."""

    __tablename__ = "survey_answers"
    __table_args__ = subject_indexes("survey_answers", "answered_at")

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    interaction_id: Mapped[str] = mapped_column(String(128), index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(32))
    csat: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    agent_id: Mapped[str | None] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    queue_id: Mapped[str | None] = mapped_column(String(128))
    subject_agent_id: Mapped[str | None] = mapped_column(String(128))
    subject_team_id: Mapped[str | None] = mapped_column(String(128))
    subject_queue_id: Mapped[str | None] = mapped_column(String(128))


class Contact(Base):
    """An interaction's customer and contact reason (the latest `contact.reason` event of it wins).

    `next_contact_gap_seconds` is the time to the same customer's next contact with the same reason (None: none
    yet). It is kept instead of a repeat flag so the standard's first-contact-resolution window is applied when
    reading: a new standard version with another window needs no rewrite.
    """

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_customer_reason_at", "customer_id", "reason", "contacted_at"),
        *subject_indexes("contacts", "contacted_at"),
    )

    interaction_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    customer_id: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(128))
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    queue_id: Mapped[str | None] = mapped_column(String(128))
    next_contact_gap_seconds: Mapped[float | None] = mapped_column(Float)
    subject_agent_id: Mapped[str | None] = mapped_column(String(128))
    subject_team_id: Mapped[str | None] = mapped_column(String(128))
    subject_queue_id: Mapped[str | None] = mapped_column(String(128))
