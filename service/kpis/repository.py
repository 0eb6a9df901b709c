"""SQL aggregates of the KPI tree and the Pareto view. Only this module talks SQL about them.

Every aggregate returns additive parts (counts and sums, never averages), grouped by subject and bucket, so the
service adds agents up into teams and teams into the centre without averaging averages.
"""

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from service.interactions.models import Interaction
from service.kpis.buckets import Bucket, bucket_key, period_key
from service.outcomes.models import Contact, SurveyAnswer


@dataclass(slots=True)
class Parts:
    """The additive parts every KPI is computed from."""

    offered: int = 0
    within_limit: int = 0
    abandoned: int = 0
    answered: int = 0
    answer_wait_sum: float = 0.0
    checks_passed: int = 0
    checks_failed: int = 0
    scored: int = 0
    quality_sum: float = 0.0
    tickets_judged: int = 0
    tickets_overdue: int = 0
    csat_answers: int = 0
    csat_satisfied: int = 0
    nps_answers: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0
    contacts_judged: int = 0
    contacts_repeated: int = 0

    def add(self, other: "Parts") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(frozen=True, slots=True)
class Scope:
    """Which rows: a time range, and optionally one team, queue or agent."""

    start: datetime
    end: datetime
    team_id: str | None = None
    queue_id: str | None = None
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class OutcomeRules:
    """The standard's reading of survey answers and contacts (service/standards/schema.py OutcomeStandard)."""

    csat_satisfied_at_least: int
    nps_promoter_at_least: int
    nps_detractor_at_most: int
    fcr_window_seconds: float
    now: datetime


S = TypeVar("S", bound=Select)  # type: ignore[type-arg]

# A row's subject: (team_id, agent_id) for the tree, (queue_id,) for queues.
Key = tuple[str | None, ...]
Rows = dict[tuple[Key, str], Parts]


def _count(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _sum(value: Any, cond: ColumnElement[bool] | None = None) -> ColumnElement[float]:
    return func.coalesce(func.sum(value if cond is None else case((cond, value))), 0.0)


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def _collect(session: Session, stmt: Select, key_width: int, into: Rows) -> None:  # type: ignore[type-arg]
    for row in session.execute(stmt):
        key, bucket, values = tuple(row[:key_width]), row[key_width], row._mapping
        parts = into.setdefault((key, bucket), Parts())
        parts.add(Parts(**{k: v for k, v in values.items() if k not in ("k0", "k1", "bucket")}))


def interaction_parts(
    session: Session, scope: Scope, bucket: Bucket, time_zone: str, by_queue: bool, into: Rows
) -> None:
    i = Interaction
    keys = [i.queue_id.label("k0")] if by_queue else [i.team_id.label("k0"), i.agent_id.label("k1")]
    key = bucket_key(i.started_at, bucket, time_zone, dialect_of(session)).label("bucket")
    stmt = select(
        *keys,
        key,
        _count(i.counts_for_service_level.is_(True)).label("offered"),
        _count(i.answered_within_limit.is_(True)).label("within_limit"),
        _count(i.abandoned.is_(True) & i.counts_for_service_level.is_(True)).label("abandoned"),
        _count(i.answer_wait_seconds.is_not(None)).label("answered"),
        _sum(i.answer_wait_seconds).label("answer_wait_sum"),
        func.coalesce(func.sum(i.compliance_passed), 0).label("checks_passed"),
        func.coalesce(func.sum(i.compliance_failed), 0).label("checks_failed"),
        _count(i.final.is_(True) & i.quality_score.is_not(None)).label("scored"),
        _sum(i.quality_score, i.final.is_(True)).label("quality_sum"),
        _count(i.first_reply_overdue.is_not(None)).label("tickets_judged"),
        _count(i.first_reply_overdue.is_(True)).label("tickets_overdue"),
    ).where(i.started_at >= scope.start, i.started_at < scope.end, i.status != "new")
    stmt = narrow(stmt, scope, i.team_id, i.queue_id, i.agent_id)
    _collect(session, stmt.group_by(*keys, key), len(keys), into)


def _outcome_keys(row: Any, by_queue: bool) -> list[Any]:
    """An outcome row's subject keys: whom it counts for (its interaction's queue, team and agent where it names
    them, else the row's own), stored on the row (service/outcomes/models.py)."""
    if by_queue:
        return [row.subject_queue_id.label("k0")]
    return [row.subject_team_id.label("k0"), row.subject_agent_id.label("k1")]


def survey_parts(
    session: Session, scope: Scope, bucket: Bucket, time_zone: str, by_queue: bool, rules: OutcomeRules, into: Rows
) -> None:
    s = SurveyAnswer
    keys = _outcome_keys(s, by_queue)
    key = bucket_key(s.answered_at, bucket, time_zone, dialect_of(session)).label("bucket")
    stmt = (
        select(
            *keys,
            key,
            _count(s.csat.is_not(None)).label("csat_answers"),
            _count(s.csat >= rules.csat_satisfied_at_least).label("csat_satisfied"),
            _count(s.nps.is_not(None)).label("nps_answers"),
            _count(s.nps >= rules.nps_promoter_at_least).label("nps_promoters"),
            _count(s.nps <= rules.nps_detractor_at_most).label("nps_detractors"),
        )
        .select_from(s)
        .where(s.answered_at >= scope.start, s.answered_at < scope.end)
    )
    stmt = narrow(stmt, scope, s.subject_team_id, s.subject_queue_id, s.subject_agent_id)
    _collect(session, stmt.group_by(*keys, key), len(keys), into)


def contact_parts(
    session: Session, scope: Scope, bucket: Bucket, time_zone: str, by_queue: bool, rules: OutcomeRules, into: Rows
) -> None:
    """First-contact resolution of the contacts made in the scope: a contact is judged once the same customer
    came back with the same reason within the window (repeated), or once the window has passed (resolved)."""
    c = Contact
    keys = _outcome_keys(c, by_queue)
    key = bucket_key(c.contacted_at, bucket, time_zone, dialect_of(session)).label("bucket")
    window = rules.fcr_window_seconds
    repeated = c.next_contact_gap_seconds <= window
    closed = c.contacted_at <= rules.now - timedelta(seconds=window)
    stmt = (
        select(
            *keys,
            key,
            _count(or_(repeated, closed)).label("contacts_judged"),
            _count(repeated).label("contacts_repeated"),
        )
        .select_from(c)
        .where(c.contacted_at >= scope.start, c.contacted_at < scope.end)
    )
    stmt = narrow(stmt, scope, c.subject_team_id, c.subject_queue_id, c.subject_agent_id)
    _collect(session, stmt.group_by(*keys, key), len(keys), into)


def narrow(stmt: S, scope: Scope, team: Any, queue: Any, agent: Any = None) -> S:
    """`stmt` restricted to the scope's agent, team and queue, whichever it names."""
    if scope.agent_id is not None:
        stmt = stmt.where(agent == scope.agent_id)
    if scope.team_id is not None:
        stmt = stmt.where(team == scope.team_id)
    if scope.queue_id is not None:
        stmt = stmt.where(queue == scope.queue_id)
    return stmt


def rule_failures(session: Session, scope: Scope, bucket: Bucket | None, time_zone: str) -> list[tuple[str, str, int]]:
    """(bucket key or '', failed item id, interactions) of finished interactions in the scope: the score's items
    whose status is `fail`, read from the stored score document (JSON on SQLite, JSONB on PostgreSQL)."""
    i = Interaction
    dialect = dialect_of(session)
    if dialect == "postgresql":
        items = func.jsonb_array_elements(i.score["items"]).table_valued("value").alias("item")
        item_id, status = items.c.value.op("->>")("id"), items.c.value.op("->>")("status")
    else:  # SQLite
        items = func.json_each(i.score, "$.items").table_valued("value").alias("item")
        item_id = func.json_extract(items.c.value, "$.id")  # type: ignore[assignment]
        status = func.json_extract(items.c.value, "$.status")  # type: ignore[assignment]
    key = period_key(i.started_at, bucket, time_zone, dialect)
    stmt = (
        select(key.label("bucket"), item_id.label("cause"), func.count().label("n"))
        .select_from(i)
        .join(items, text("true"))
        .where(i.final.is_(True), i.started_at >= scope.start, i.started_at < scope.end, status == "fail")
    )
    stmt = narrow(stmt, scope, i.team_id, i.queue_id, i.agent_id).group_by(key, item_id)
    return [(r.bucket, r.cause, r.n) for r in session.execute(stmt)]


def versions_by(session: Session, scope: Scope, by_queue: bool) -> dict[Key, dict[str, int]]:
    """Interactions per subject (queue, or team and agent) and the standard version that judged them."""
    i = Interaction
    keys = [i.queue_id] if by_queue else [i.team_id, i.agent_id]
    stmt = (
        select(*keys, i.standard_version, func.count().label("n"))
        .where(i.started_at >= scope.start, i.started_at < scope.end, i.status != "new")
        .group_by(*keys, i.standard_version)
    )
    out: dict[Key, dict[str, int]] = {}
    for row in session.execute(stmt):
        out.setdefault(tuple(row[: len(keys)]), {})[row.standard_version] = row.n
    return out


def parts_by(
    session: Session, scope: Scope, bucket: Bucket, time_zone: str, by_queue: bool, rules: OutcomeRules
) -> Rows:
    """Every KPI's parts per subject (queue, or team and agent) and bucket key."""
    rows: Rows = {}
    interaction_parts(session, scope, bucket, time_zone, by_queue, rows)
    survey_parts(session, scope, bucket, time_zone, by_queue, rules, rows)
    contact_parts(session, scope, bucket, time_zone, by_queue, rules, rows)
    return rows


def outcome_parts(session: Session, scope: Scope, rules: OutcomeRules) -> Rows:
    """Survey and contact parts of the scope, in month buckets (a scorecard adds them all up)."""
    rows: Rows = {}
    survey_parts(session, scope, Bucket.MONTH, "UTC", False, rules, rows)
    contact_parts(session, scope, Bucket.MONTH, "UTC", False, rules, rows)
    return rows
