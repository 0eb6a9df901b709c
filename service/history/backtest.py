"""`callqa backtest`: stored interactions scored again, in memory, under a candidate standard and under the
standard version each was judged by (its text is kept in standard_versions), at the same `now`, so the difference
is the standards' alone and does not depend on which standards file the shell points at. Nothing is written: the
session is read-only at the database level (PostgreSQL READ ONLY transaction, SQLite query_only) and is rolled
back."""

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from service.events.model import Event
from service.interactions.repository import events_of_many, judged_by
from service.scoring.breaches import find_breaches
from service.scoring.quality import score_interaction
from service.scoring.types import Breach, InteractionScore
from service.standards.loader import parse_standard
from service.standards.schema import Standard
from service.standards.service import recorded_sources


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
    before: Judged  # the standard version it was judged by
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


def recorded_standards(session: Session, versions: set[str]) -> dict[str, Standard]:
    rows = recorded_sources(session, versions)
    found = {version: parse_standard(source, f"standard version {version!r}").standard for version, source in rows}
    if missing := versions - found.keys():
        raise LookupError(f"standard versions {sorted(missing)} judged interactions but are not recorded")
    return found


def _judge(events: list[Event], standard: Standard, now: datetime) -> Judged:
    score = score_interaction(events, standard, now)
    return Judged(score, tuple(find_breaches(score, standard)))


@dataclass(frozen=True, slots=True)
class ShadowRun:
    shadows: list[Shadow]
    baseline: Counter[str]  # standard version -> interactions it judged, among those compared


def shadow_run(
    session: Session, candidate: Standard, start: datetime, end: datetime, now: datetime, *, progress: bool = False
) -> ShadowRun:
    judged = judged_by(session, start, end)
    standards = recorded_standards(session, {version for _, version in judged})
    events = events_of_many(session, [interaction_id for interaction_id, _ in judged])
    run = ShadowRun([], Counter())
    for interaction_id, version in tqdm(judged, unit="interaction", desc="backtest", disable=not progress):
        if not events.get(interaction_id):
            continue
        before = _judge(events[interaction_id], standards[version], now)
        after = _judge(events[interaction_id], candidate, now)
        s = after.score
        run.shadows.append(Shadow(interaction_id, s.agent_id, s.team_id, before, after))
        run.baseline[version] += 1
    return run
