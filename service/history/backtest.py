"""`callqa backtest`: stored interactions scored again, in memory, under a candidate standard and under the
standard in force, at the same `now`, so the difference is the standards' alone. Nothing is written: the session
is read-only at the database level (PostgreSQL READ ONLY transaction, SQLite query_only) and is rolled back."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from service.events.model import Event
from service.interactions.models import Interaction
from service.interactions.repository import events_of_many
from service.scoring.breaches import find_breaches
from service.scoring.quality import score_interaction
from service.scoring.types import Breach, InteractionScore
from service.standards.schema import Standard


@dataclass(frozen=True, slots=True)
class Judged:
    score: InteractionScore
    breaches: tuple[Breach, ...]


@dataclass(frozen=True, slots=True)
class Shadow:
    """One interaction judged by both standards."""

    interaction_id: str
    agent_id: str | None
    team_id: str | None
    before: Judged  # the standard in force
    after: Judged  # the candidate


@contextmanager
def read_only(sessions: sessionmaker[Session]) -> Iterator[Session]:
    session = sessions()
    sqlite = session.get_bind().dialect.name == "sqlite"
    try:
        session.execute(text("PRAGMA query_only = ON" if sqlite else "SET TRANSACTION READ ONLY"))
        yield session
    finally:
        session.rollback()
        if sqlite:  # the setting belongs to the pooled connection, not to this session
            session.execute(text("PRAGMA query_only = OFF"))
        session.close()


def interaction_ids(session: Session, start: datetime, end: datetime) -> list[str]:
    stmt = (
        select(Interaction.id)
        .where(Interaction.started_at >= start, Interaction.started_at < end, Interaction.status != "new")
        .order_by(Interaction.started_at, Interaction.id)
    )
    return list(session.scalars(stmt))


def _judge(events: list[Event], standard: Standard, now: datetime) -> Judged:
    score = score_interaction(events, standard, now)
    return Judged(score, tuple(find_breaches(score, standard)))


def shadow_run(
    session: Session, live: Standard, candidate: Standard, start: datetime, end: datetime, now: datetime
) -> list[Shadow]:
    ids = interaction_ids(session, start, end)
    events = events_of_many(session, ids)
    out = []
    for interaction_id in ids:
        if not events.get(interaction_id):
            continue
        before = _judge(events[interaction_id], live, now)
        after = _judge(events[interaction_id], candidate, now)
        s = after.score
        out.append(Shadow(interaction_id, s.agent_id, s.team_id, before, after))
    return out
