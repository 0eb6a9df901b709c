"""Calibration panels: created by a supervisor, scored blind by each member, reported once complete."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.calibration.models import Calibration
from service.calibration.report import Scored, calibration_report
from service.evaluations import service as evaluations
from service.evaluations.models import HumanReview
from service.interactions.models import Interaction
from service.reviews.errors import Conflict, Forbidden, NotFound, ReviewError
from service.standards.schema import Standard


def create(
    session: Session, name: str, interaction_ids: list[str], reviewers: list[str], actor: str, now: datetime
) -> Calibration:
    if len(set(reviewers)) != len(reviewers) or len(reviewers) < 2:
        raise ReviewError("reviewers: at least two different reviewers (the names of their API keys)")
    if len(set(interaction_ids)) != len(interaction_ids):
        raise ReviewError("interaction_ids: each interaction once")
    for iid in interaction_ids:
        evaluations.interaction(session, iid)
    row = Calibration(name=name, interaction_ids=interaction_ids, reviewers=reviewers, created_by=actor, created_at=now)
    session.add(row)
    session.flush()
    return row


def get(session: Session, calibration_id: int) -> Calibration:
    row = session.get(Calibration, calibration_id)
    if row is None:
        raise NotFound(f"no calibration {calibration_id}")
    return row


def newest(session: Session, limit: int) -> list[Calibration]:
    return list(session.scalars(select(Calibration).order_by(Calibration.id.desc()).limit(limit)))


def _reviews(session: Session, calibration_id: int) -> list[HumanReview]:
    stmt = select(HumanReview).where(HumanReview.calibration_id == calibration_id).order_by(HumanReview.id)
    return list(session.scalars(stmt))


def submit(
    session: Session,
    cal: Calibration,
    reviewer: str,
    interaction_id: str,
    items: list[dict[str, Any]],
    comment: str | None,
    standard_of: Callable[[Interaction], Standard],
    now: datetime,
) -> HumanReview:
    if reviewer not in cal.reviewers:
        raise Forbidden(f"{reviewer} is not on calibration {cal.id}'s panel ({', '.join(cal.reviewers)})")
    if interaction_id not in cal.interaction_ids:
        raise ReviewError(f"interaction_id: {interaction_id!r} is not in calibration {cal.id}")
    if any(r.reviewer == reviewer and r.interaction_id == interaction_id for r in _reviews(session, cal.id)):
        raise Conflict(f"{reviewer} already scored {interaction_id} in calibration {cal.id}")
    row = evaluations.interaction(session, interaction_id)
    return evaluations.submit_review(
        session, row, reviewer=reviewer, items=items, comment=comment, standard=standard_of(row), now=now,
        calibration_id=cal.id,
    )  # fmt: skip


def progress(session: Session, cal: Calibration, asking: str) -> dict[str, Any]:
    """Who has scored how many, and which ones the asking key scored: never what anyone scored, so the panel
    stays blind until it is complete."""
    done = {r: 0 for r in cal.reviewers}
    mine = []
    for review in _reviews(session, cal.id):
        done[review.reviewer] += 1
        if review.reviewer == asking:
            mine.append(review.interaction_id)
    complete = all(n == len(cal.interaction_ids) for n in done.values())
    return {
        "id": cal.id, "name": cal.name, "interaction_ids": cal.interaction_ids, "reviewers": cal.reviewers,
        "created_by": cal.created_by, "created_at": cal.created_at, "scored": done, "complete": complete,
        "scored_by_you": mine,
    }  # fmt: skip


def report(session: Session, cal: Calibration) -> dict[str, Any]:
    status = progress(session, cal, "")
    if not status["complete"]:
        missing = {r: len(cal.interaction_ids) - n for r, n in status["scored"].items() if n < len(cal.interaction_ids)}
        raise Conflict(f"calibration {cal.id} is blind until every reviewer has scored every interaction: {missing}")
    reviews = _reviews(session, cal.id)
    scored = {}
    for iid in cal.interaction_ids:
        row = evaluations.interaction(session, iid)
        own = {
            r.reviewer: ({i["item_id"]: i["status"] for i in r.items}, r.quality_score)
            for r in reviews
            if r.interaction_id == iid
        }
        automated = {i["id"]: i["status"] for i in evaluations.automated_items(row)}
        scored[iid] = Scored(automated, row.quality_score, own)
    return {"id": cal.id, "name": cal.name, **calibration_report(cal.reviewers, scored)}
