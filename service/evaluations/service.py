"""Human review beside the automated score, the reviewed score it makes, disputes and sampling.

The automated record (`interactions.score`) is only ever read here. A human review is a new row; the reviewed
score (`reviewed_scores`) is recomputed from the automated items, the latest counting review and the overturned
disputes, by the same weighting the automated score uses.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.auth.service import Principal
from service.db import Window
from service.evaluations import repository as repo
from service.evaluations.models import Dispute, HumanReview, ReviewedScore
from service.evaluations.sampling import Pick, select_sample
from service.interactions.models import Interaction
from service.reviews.errors import Conflict, Forbidden, NotFound, ReviewError
from service.reviews.repository import add_once
from service.reviews.service import get_interaction
from service.scoring.reviewed import HUMAN_STATUSES, reviewed_score
from service.standards.schema import SamplingRules, Standard


def interaction(session: Session, interaction_id: str, principal: Principal | None = None) -> Interaction:
    """The scored interaction; an agent's key reaches only that agent's own."""
    row = get_interaction(session, interaction_id)
    if principal is not None and only_agent(principal) and row.agent_id != principal.agent_id:
        raise Forbidden(f"this key belongs to agent {principal.agent_id}; interaction {interaction_id} is not theirs")
    return row


def only_agent(principal: Principal) -> bool:
    return principal.own_agent is not None


def automated_items(row: Interaction) -> list[dict[str, Any]]:
    return list((row.score or {}).get("items", []))


def check_items(row: Interaction, items: list[dict[str, Any]], every: bool) -> None:
    known = [i["id"] for i in automated_items(row)]
    given = [i["item_id"] for i in items]
    if unknown := sorted(set(given) - set(known)):
        raise ReviewError(f"items.item_id: {', '.join(unknown)} not items of interaction {row.id} ({', '.join(known)})")
    if len(set(given)) != len(given):
        raise ReviewError("items.item_id: each item once")
    if every and (missing := [k for k in known if k not in given]):
        raise ReviewError(f"items: a calibration review scores every item; missing {', '.join(missing)}")


def submit_review(
    session: Session,
    row: Interaction,
    *,
    reviewer: str,
    items: list[dict[str, Any]],
    comment: str | None,
    standard: Standard,
    now: datetime,
    calibration_id: int | None = None,
) -> HumanReview:
    """`standard`: the version that judged `row` (Pipeline.standard_of), whose items, weights and pass mark the
    automated score used; the version in force now may score other items."""
    check_items(row, items, every=calibration_id is not None)
    own = reviewed_score(
        automated_items(row), {i["item_id"]: i["status"] for i in items}, {}, row.final, standard.quality.pass_mark
    )
    review = HumanReview(
        interaction_id=row.id, reviewer=reviewer, purpose="calibration" if calibration_id else "review",
        calibration_id=calibration_id, standard_version=row.standard_version, items=items, comment=comment,
        quality_score=own.quality_score, passed=own.passed, submitted_at=now,
    )  # fmt: skip
    if not add_once(session, review):  # the panel's unique (calibration, interaction, reviewer)
        raise Conflict(f"{reviewer} already scored {row.id} in calibration {calibration_id}")
    if calibration_id is None:
        refresh_reviewed(session, row, standard, now)
    return review


def refresh_reviewed(session: Session, row: Interaction, standard: Standard, now: datetime) -> ReviewedScore:
    current = repo.lock_reviewed(session, row.id, now)  # first: what is read below is then the latest
    reviews = repo.reviews_of(session, row.id)
    latest = reviews[-1] if reviews else None
    statuses = {i["item_id"]: i["status"] for i in latest.items} if latest else {}
    result = reviewed_score(
        automated_items(row), statuses, repo.overturned_items(session, row.id), row.final, standard.quality.pass_mark
    )
    current.review_id = latest.id if latest else None
    current.quality_score, current.passed = result.quality_score, result.passed
    current.critical_failure, current.items = result.critical_failure, [i.as_dict() for i in result.items]
    current.updated_at = now
    return current


def side_by_side(session: Session, row: Interaction, judged_by: Standard) -> dict[str, Any]:
    """`judged_by`: the version that judged the interaction, whose words name its items."""
    reviewed = session.get(ReviewedScore, row.id)
    return {
        "interaction_id": row.id,
        "agent_id": row.agent_id,
        "standard_version": row.standard_version,
        "automated": {
            "quality_score": row.quality_score, "passed": row.passed, "critical_failure": row.critical_failure,
            "items": [{"id": i["id"], "status": i["status"], "detail": i.get("detail")} for i in automated_items(row)],
        },
        "reviewed": None if reviewed is None else {
            "quality_score": reviewed.quality_score, "passed": reviewed.passed,
            "critical_failure": reviewed.critical_failure, "items": reviewed.items, "review_id": reviewed.review_id,
            "updated_at": reviewed.updated_at,
        },
        "reviews": repo.reviews_of(session, row.id),
        "disputes": repo.disputes(session, filters={"interaction_id": row.id}, window=Window(limit=500))[0],
        "item_labels": item_labels(judged_by),
    }  # fmt: skip


def item_labels(standard: Standard) -> dict[str, dict[str, str]]:
    """Each script rule's description per language (English from `description` unless translated): an agent's
    key reads no standard, yet must know what each item it may dispute asks."""
    return {
        r.id: {"en": r.description, **{str(k): v for k, v in r.description_i18n.items()}} for r in standard.script_rules
    }


def file_dispute(
    session: Session, row: Interaction, item_id: str, reason: str, principal: Principal, now: datetime
) -> Dispute:
    current = {i["id"]: i["status"] for i in automated_items(row)}
    reviewed = session.get(ReviewedScore, row.id)
    if reviewed is not None:
        current = {i["id"]: i["reviewed"] for i in reviewed.items}
    if item_id not in current:
        raise ReviewError(f"item_id: {item_id!r} is not an item of interaction {row.id} ({', '.join(current)})")
    if current[item_id] != "fail":
        raise Conflict(f"item {item_id} of interaction {row.id} is {current[item_id]}: only a failed item is disputed")
    dispute = Dispute(
        open_key=f"{row.id}:{item_id}", interaction_id=row.id, item_id=item_id, agent_id=row.agent_id, reason=reason,
        disputed_status=current[item_id], filed_by=principal.name, filed_at=now, status="open",
    )  # fmt: skip
    if not add_once(session, dispute):
        raise Conflict(f"item {item_id} of interaction {row.id} already has an open dispute")
    return dispute


def get_dispute(session: Session, dispute_id: int, principal: Principal) -> Dispute:
    dispute = session.get(Dispute, dispute_id, with_for_update=True)
    if dispute is None or (only_agent(principal) and dispute.agent_id != principal.agent_id):
        raise NotFound(f"no dispute {dispute_id}")
    return dispute


def decide(
    session: Session,
    dispute: Dispute,
    *,
    overturn: bool,
    overturned_to: str,
    note: str | None,
    actor: str,
    standard_of: Callable[[Interaction], Standard],
    now: datetime,
) -> Dispute:
    """Uphold (the item stays as it was) or overturn (the reviewed score takes `overturned_to`); kept with who."""
    if dispute.status != "open":
        raise Conflict(f"dispute {dispute.id} was already {dispute.status} by {dispute.decided_by}")
    if overturned_to not in HUMAN_STATUSES or overturned_to == "fail":
        raise ReviewError("overturned_to: pass or not_applicable")
    dispute.status = "overturned" if overturn else "upheld"
    dispute.overturned_to = overturned_to if overturn else None
    dispute.decided_by, dispute.decided_at, dispute.decision_note, dispute.open_key = actor, now, note, None
    session.flush()
    if overturn:
        row = interaction(session, dispute.interaction_id)
        refresh_reviewed(session, row, standard_of(row), now)
    return dispute


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """An ISO week `2026-W49` as [Monday 00:00 UTC, next Monday)."""
    try:
        start = datetime.strptime(f"{week}-1 +0000", "%G-W%V-%u %z")
    except ValueError as exc:
        raise ReviewError(f"week: an ISO week such as 2026-W49, got {week!r}") from exc
    return start, start + timedelta(days=7)


def sample(session: Session, week: str, seed: str, rules: SamplingRules) -> list[Pick]:
    start, end = week_bounds(week)
    return select_sample(repo.sample_candidates(session, start, end), rules, seed, week)
