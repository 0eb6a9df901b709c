"""The KPI and outcome queries on SQLite and PostgreSQL: bucket keys at day, week and month edges (in IANA zones,
across daylight-saving changes, the same as Python's), repeat-contact gaps whatever order the contact reasons
arrive in, and whose an outcome is."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from service.db import UTCDateTime, make_engine, make_sessionmaker
from service.events.model import Event, EventType
from service.interactions.models import Interaction
from service.interactions.repository import subjects_of
from service.kpis.buckets import Bucket, bucket_key, bucket_starts, key_of
from service.kpis.repository import OutcomeRules, Scope, outcome_parts
from service.outcomes.models import Contact
from service.outcomes.service import record_outcomes
from service.telemetry import SubjectLabels
from tests.factories import default_standard


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as s:
        yield s
    engine.dispose()


def _key(session: Session, at: datetime, bucket: Bucket, zone: str = "UTC") -> str:
    column = literal(at, UTCDateTime())
    return session.scalar(select(bucket_key(column, bucket, zone, session.get_bind().dialect.name)))  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("at", "bucket", "zone", "expected"),
    [
        ("2026-11-29T23:59:59.999+00:00", Bucket.DAY, "UTC", "2026-11-29"),
        ("2026-11-30T00:00:00+00:00", Bucket.DAY, "UTC", "2026-11-30"),
        ("2026-11-29T23:59:59+00:00", Bucket.WEEK, "UTC", "2026-11-23"),  # Sunday: the week of Monday 23
        ("2026-11-30T00:00:00+00:00", Bucket.WEEK, "UTC", "2026-11-30"),  # Monday
        ("2026-11-30T23:00:00+00:00", Bucket.MONTH, "UTC", "2026-11-01"),
        ("2026-12-31T23:59:59+00:00", Bucket.MONTH, "UTC", "2026-12-01"),
        ("2027-01-01T00:00:00+00:00", Bucket.WEEK, "UTC", "2026-12-28"),  # a week across the year end
        ("2026-11-30T16:00:00+00:00", Bucket.MONTH, "Asia/Shanghai", "2026-12-01"),  # midnight of 1 December
        ("2026-11-30T15:59:59+00:00", Bucket.DAY, "Asia/Shanghai", "2026-11-30"),
        ("2026-11-30T05:00:00+00:00", Bucket.WEEK, "Pacific/Honolulu", "2026-11-23"),  # still Sunday 29
        ("2026-11-30T08:00:00+08:00", Bucket.DAY, "UTC", "2026-11-30"),  # stored in UTC whatever offset it came with
        # New York: midnight is 05:00Z before 8 March 2026 and 04:00Z after it, until 1 November
        ("2026-03-08T04:59:59+00:00", Bucket.DAY, "America/New_York", "2026-03-07"),
        ("2026-03-08T05:00:00+00:00", Bucket.DAY, "America/New_York", "2026-03-08"),
        ("2026-03-09T03:59:59+00:00", Bucket.DAY, "America/New_York", "2026-03-08"),  # a 23-hour day
        ("2026-03-09T04:00:00+00:00", Bucket.DAY, "America/New_York", "2026-03-09"),
        ("2026-11-01T03:59:59+00:00", Bucket.MONTH, "America/New_York", "2026-10-01"),
        ("2026-11-01T04:00:00+00:00", Bucket.MONTH, "America/New_York", "2026-11-01"),
        ("2026-11-02T04:59:59+00:00", Bucket.DAY, "America/New_York", "2026-11-01"),  # a 25-hour day
        ("2026-11-02T05:00:00+00:00", Bucket.WEEK, "America/New_York", "2026-11-02"),
    ],
)
def test_bucket_keys_on_both_databases(session: Session, at: str, bucket: Bucket, zone: str, expected: str) -> None:
    assert _key(session, datetime.fromisoformat(at), bucket, zone) == expected


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Shanghai"])
def test_database_buckets_agree_with_python_across_daylight_saving(session: Session, zone: str) -> None:
    """Every hour over three days around each 2026 change of these zones, the database's key is Python's."""
    changes = [(3, 7), (3, 27), (4, 3), (10, 3), (10, 24), (10, 31)]  # New York, London, Sydney; Shanghai has none
    moments = [datetime(2026, m, d, tzinfo=UTC) + timedelta(hours=h) for m, d in changes for h in range(72)]
    at = union_all(
        *(select(literal(m, UTCDateTime()).label("at"), literal(n).label("n")) for n, m in enumerate(moments))
    )
    rows = at.subquery()
    for bucket in Bucket:
        key = bucket_key(rows.c.at, bucket, zone, session.get_bind().dialect.name)
        got = list(session.scalars(select(key).order_by(rows.c.n)))
        python = [key_of(bucket_starts(m, m + timedelta(microseconds=1), bucket, zone)[0]) for m in moments]
        assert got == python, bucket


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
    at = T0 + timedelta(hours=1)
    surveys = [Event(f"s-{n}", EventType.SURVEY_ANSWERED, at, iid, agent, team, queue, {"csat": 5})
               for n, (iid, agent, team, queue) in enumerate(answers)]  # fmt: skip
    assert len(_record(session, *surveys)) == 4  # stored by the write path: whom each counts for goes with it
    rules = OutcomeRules(4, 9, 6, 86400, T0 + timedelta(days=1))

    def answered(**subject: str) -> int:
        scope = Scope(T0, T0 + timedelta(days=1), **subject)
        return sum(parts.csat_answers for parts in outcome_parts(session, scope, rules).values())

    assert (answered(agent_id="ann"), answered(agent_id="bob")) == (2, 2)
    assert (answered(team_id="blue"), answered(team_id="red")) == (3, 1)
    assert (answered(queue_id="q1"), answered(queue_id="q2")) == (2, 1)
    assert answered(agent_id="bob", team_id="blue", queue_id="q2") == 1
