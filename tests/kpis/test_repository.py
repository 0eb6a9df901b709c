"""The KPI and outcome queries on SQLite and PostgreSQL: bucket keys at day, week and month edges (and at an
offset), repeat-contact gaps whatever order the contact reasons arrive in, and whose an outcome is."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from service.db import UTCDateTime, make_engine, make_sessionmaker
from service.events.model import Event, EventType
from service.interactions.models import Interaction
from service.interactions.repository import subjects_of
from service.kpis.buckets import Bucket, bucket_key
from service.kpis.repository import OutcomeRules, Scope, outcome_parts
from service.outcomes.models import Contact, SurveyAnswer
from service.outcomes.service import record_outcomes
from service.telemetry import SubjectLabels
from tests.factories import default_standard


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as s:
        yield s
    engine.dispose()


def _key(session: Session, at: datetime, bucket: Bucket, offset: int = 0) -> str:
    column = literal(at, UTCDateTime())
    return session.scalar(select(bucket_key(column, bucket, offset, session.get_bind().dialect.name)))  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("at", "bucket", "offset", "expected"),
    [
        ("2026-11-29T23:59:59.999+00:00", Bucket.DAY, 0, "2026-11-29"),
        ("2026-11-30T00:00:00+00:00", Bucket.DAY, 0, "2026-11-30"),
        ("2026-11-29T23:59:59+00:00", Bucket.WEEK, 0, "2026-11-23"),  # Sunday: the week of Monday 23
        ("2026-11-30T00:00:00+00:00", Bucket.WEEK, 0, "2026-11-30"),  # Monday
        ("2026-11-30T23:00:00+00:00", Bucket.MONTH, 0, "2026-11-01"),
        ("2026-12-31T23:59:59+00:00", Bucket.MONTH, 0, "2026-12-01"),
        ("2027-01-01T00:00:00+00:00", Bucket.WEEK, 0, "2026-12-28"),  # a week across the year end
        ("2026-11-30T16:00:00+00:00", Bucket.MONTH, 480, "2026-12-01"),  # midnight of 1 December at UTC+8
        ("2026-11-30T15:59:59+00:00", Bucket.DAY, 480, "2026-11-30"),
        ("2026-11-30T05:00:00+00:00", Bucket.WEEK, -600, "2026-11-23"),  # still Sunday 29 at UTC-10
        ("2026-11-30T08:00:00+08:00", Bucket.DAY, 0, "2026-11-30"),  # stored in UTC whatever offset it came with
    ],
)
def test_bucket_keys_on_both_databases(session: Session, at: str, bucket: Bucket, offset: int, expected: str) -> None:
    assert _key(session, datetime.fromisoformat(at), bucket, offset) == expected


T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _reason(iid: str, hours: float, customer: str, reason: str = "billing", n: int = 0) -> Event:
    payload = {"customer_id": customer, "reason": reason}
    return Event(f"{iid}-r{n}", EventType.CONTACT_REASON, T0 + timedelta(hours=hours), iid, payload=payload)


def _record(session: Session, *events: Event) -> set[str]:
    pairs = [(e, "http") for e in events]
    stored = record_outcomes(session, pairs, T0, default_standard(), SubjectLabels(), subjects_of)
    session.commit()
    return stored


def _gaps(session: Session) -> dict[str, float | None]:
    return {c.interaction_id: c.next_contact_gap_seconds for c in session.scalars(select(Contact))}


def test_repeat_gaps_whatever_the_order(session: Session) -> None:
    # the latest contact first, then the earliest, then the middle one: gaps always to the next contact
    _record(session, _reason("c3", 48, "ann"))
    _record(session, _reason("c1", 0, "ann"), _reason("x1", 1, "bob"))
    _record(session, _reason("c2", 24, "ann"), _reason("x2", 2, "ann", reason="outage"))
    assert _gaps(session) == {"c1": 86400, "c2": 86400, "c3": None, "x1": None, "x2": None}


def test_a_later_reason_replaces_the_contacts_and_duplicates_are_not_stored_twice(session: Session) -> None:
    assert _record(session, _reason("c1", 0, "ann"), _reason("c2", 24, "ann")) == {"c1-r0", "c2-r0"}
    assert _record(session, _reason("c1", 0, "ann")) == set()  # the same event again
    # c2's reason corrected at wrap-up: c1 is no longer repeated by it
    assert _record(session, _reason("c2", 25, "ann", reason="outage", n=1)) == {"c2-r1"}
    assert _gaps(session) == {"c1": None, "c2": None}
    # an older correction of c2 is taken in, but does not win over the newer one
    assert _record(session, _reason("c2", 24.5, "ann", n=2)) == {"c2-r2"}
    assert session.get(Contact, "c2").reason == "outage"  # type: ignore[union-attr]


def test_an_outcome_counts_for_its_interactions_subject_else_its_own(session: Session) -> None:
    """A survey answer counts for the agent, team and queue of its interaction where the interaction names them,
    else for those it names itself (an unknown interaction, or one with no agent)."""
    common = {"kind": "call", "status": "ended", "final": True, "started_at": T0, "standard_version": "v",
              "scored_at": T0, "score": {}}  # fmt: skip
    session.add_all([
        Interaction(id="i-ann", agent_id="ann", team_id="blue", queue_id="q1", **common),
        Interaction(id="i-none", agent_id=None, team_id=None, queue_id=None, **common),
    ])  # fmt: skip
    answers = [  # (interaction, its own agent, team, queue)
        ("i-ann", "bob", None, "q2"),  # the interaction's subject wins: ann, blue, q1
        ("i-none", "bob", "blue", "q2"),  # the interaction names none: bob, blue, q2
        ("i-unknown", "bob", "red", None),  # callqa never saw it: bob, red
        ("i-ann", None, None, None),  # ann, blue, q1
    ]
    for n, (iid, agent, team, queue) in enumerate(answers):
        at = T0 + timedelta(hours=1)
        session.add(SurveyAnswer(event_id=f"s-{n}", interaction_id=iid, answered_at=at, received_at=at,
                                 source="http", csat=5, agent_id=agent, team_id=team, queue_id=queue))  # fmt: skip
    session.flush()
    rules = OutcomeRules(4, 9, 6, 86400, T0 + timedelta(days=1))

    def answered(**subject: str) -> int:
        scope = Scope(T0, T0 + timedelta(days=1), **subject)
        return sum(parts.csat_answers for parts in outcome_parts(session, scope, rules).values())

    assert (answered(agent_id="ann"), answered(agent_id="bob")) == (2, 2)
    assert (answered(team_id="blue"), answered(team_id="red")) == (3, 1)
    assert (answered(queue_id="q1"), answered(queue_id="q2")) == (2, 1)
    assert answered(agent_id="bob", team_id="blue", queue_id="q2") == 1
