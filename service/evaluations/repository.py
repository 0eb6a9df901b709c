"""Queries of human reviews, reviewed scores and disputes. Only this module talks SQL about them."""

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from service.db import insert_ignoring_conflicts
from service.evaluations.models import Dispute, HumanReview, ReviewedScore
from service.evaluations.sampling import Candidate
from service.interactions.models import Interaction

DISPUTE_STATES = ("open", "upheld", "overturned")


def reviews_of(session: Session, interaction_id: str) -> list[HumanReview]:
    """The counting reviews (not calibration ones), oldest first."""
    stmt = select(HumanReview).where(HumanReview.interaction_id == interaction_id, HumanReview.purpose == "review")
    return list(session.scalars(stmt.order_by(HumanReview.id)))


def overturned_items(session: Session, interaction_id: str) -> dict[str, str]:
    """item -> the status its latest overturned dispute gave it."""
    stmt = (
        select(Dispute.item_id, Dispute.overturned_to)
        .where(Dispute.interaction_id == interaction_id, Dispute.status == "overturned")
        .order_by(Dispute.decided_at, Dispute.id)
    )
    return {item: str(status) for item, status in session.execute(stmt)}


def disputes(session: Session, *, filters: dict[str, str | None], limit: int, offset: int) -> tuple[list[Dispute], int]:
    conds = [getattr(Dispute, name) == value for name, value in filters.items() if value is not None]
    total = session.scalar(select(func.count()).select_from(Dispute).where(*conds)) or 0
    rows = session.scalars(select(Dispute).where(*conds).order_by(Dispute.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def dispute_counts(session: Session) -> dict[str, int]:
    """Disputes by state, every state (0 included): open (undecided), upheld, overturned."""
    found = {s: n for s, n in session.execute(select(Dispute.status, func.count()).group_by(Dispute.status))}
    return {state: found.get(state, 0) for state in DISPUTE_STATES}


def sample_candidates(session: Session, start: datetime, end: datetime) -> list[Candidate]:
    i = Interaction
    stmt = (
        select(i.id, i.agent_id, i.critical_failure, i.customer_sentiment_mean)
        .where(i.final.is_(True), i.started_at >= start, i.started_at < end)
        .order_by(i.id)
    )
    return [Candidate(*r) for r in session.execute(stmt)]


def reviewed_quality(session: Session, column: Any, subject: str, start: datetime, end: datetime) -> dict[str, Any]:
    """The quality section of a scorecard on the reviewed score where there is one, else the automated one."""
    i, r = Interaction, ReviewedScore
    score = func.coalesce(r.quality_score, i.quality_score)
    passed = case((r.interaction_id.is_not(None), r.passed), else_=i.passed)
    count = lambda cond: func.coalesce(func.sum(case((cond, 1), else_=0)), 0)  # noqa: E731
    stmt = (
        select(
            func.avg(case((i.final.is_(True), score))).label("avg"),
            count(passed.is_(True)).label("passed"),
            count(passed.is_(False)).label("failed"),
            func.sum((r.interaction_id.is_not(None)).cast(Integer)).label("reviewed"),
        )
        .select_from(i)
        .outerjoin(r, r.interaction_id == i.id)
        .where(column == subject, i.started_at >= start, i.started_at < end, i.status != "new")
    )
    row = session.execute(stmt).one()
    decided = row.passed + row.failed
    return {
        "average_score": None if row.avg is None else round(float(row.avg), 4),
        "passed": row.passed,
        "failed": row.failed,
        "pass_rate": round(row.passed / decided, 4) if decided else None,
        "human_reviewed": int(row.reviewed or 0),
    }


def lock_reviewed(session: Session, interaction_id: str, now: datetime) -> ReviewedScore:
    """The interaction's reviewed-score row, created if new, locked: whoever recomputes it next waits, then reads
    every review and decision committed before (two reviews at once never leave it resting on the older one)."""
    placeholder = {"interaction_id": interaction_id, "critical_failure": False, "items": [], "updated_at": now}
    insert_ignoring_conflicts(session, ReviewedScore, [placeholder], "interaction_id")
    row = session.get(ReviewedScore, interaction_id, with_for_update=True, populate_existing=True)
    assert row is not None
    return row
