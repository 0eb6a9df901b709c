"""Scorecard aggregates, computed in SQL over the denormalised columns of `interactions`."""

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from service.interactions.models import Interaction
from service.standards.schema import AggregateRule, Standard


def _ratio(num: Any, den: Any) -> float | None:
    return round(float(num) / float(den), 4) if den else None


def _avg(value: Any) -> float | None:
    return round(float(value), 4) if value is not None else None


def scorecard(
    session: Session, column: Any, subject: str, start: datetime, end: datetime, standard: Standard
) -> dict[str, Any]:
    i = Interaction
    as_int = lambda cond: func.coalesce(func.sum(case((cond, 1), else_=0)), 0)  # noqa: E731
    counted = (column == subject, i.started_at >= start, i.started_at < end, i.status != "new")
    stmt = select(
        func.count().label("interactions"),
        as_int(i.kind == "call").label("calls"),
        as_int(i.kind == "ticket").label("tickets"),
        as_int(i.counts_for_service_level.is_(True)).label("offered"),
        as_int(i.answer_wait_seconds.is_not(None)).label("answered"),
        as_int(i.abandoned.is_(True)).label("abandoned"),
        as_int(i.answered_within_limit.is_(True)).label("within_limit"),
        func.avg(i.answer_wait_seconds).label("avg_answer"),
        func.avg(i.first_reply_seconds).label("avg_first_reply"),
        func.coalesce(func.sum(i.compliance_passed), 0).label("c_pass"),
        func.coalesce(func.sum(i.compliance_failed), 0).label("c_fail"),
        func.avg(case((i.final.is_(True), i.quality_score))).label("avg_quality"),
        as_int(i.passed.is_(True)).label("passed"),
        as_int(i.passed.is_(False)).label("failed"),
        func.avg(i.customer_sentiment_mean).label("avg_sentiment"),
        func.sum(i.final.cast(Integer)).label("final"),
    ).where(*counted)
    r = session.execute(stmt).one()
    by_version = select(i.standard_version, func.count()).where(*counted).group_by(i.standard_version)
    judged_by = {v: n for v, n in sorted(session.execute(by_version).all())}
    q = standard.quality
    service_level = _ratio(r.within_limit, r.offered)
    compliance = _ratio(r.c_pass, r.c_pass + r.c_fail)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "standard_version": standard.version,  # the targets' version: the one in force at `to`
        "judged_by": judged_by,  # standard version -> interactions it judged (each keeps its own)
        "interactions": r.interactions,
        "completed": int(r.final or 0),
        "calls": {
            "offered": r.offered,
            "answered": r.answered,
            "abandoned": r.abandoned,
            "handled": r.answered,
            "average_answer_seconds": _avg(r.avg_answer),
            "service_level": service_level,
            "service_level_target": standard.responsiveness.call.service_level_target,
        },
        "tickets": {"count": r.tickets, "average_first_reply_seconds": _avg(r.avg_first_reply)},
        "compliance": {
            "checks_passed": r.c_pass,
            "checks_failed": r.c_fail,
            "rate": compliance,
            "target": q.compliance_target,
        },
        "quality": {
            "average_score": _avg(r.avg_quality),
            "passed": r.passed,
            "failed": r.failed,
            "pass_rate": _ratio(r.passed, r.passed + r.failed),
            "pass_mark": q.pass_mark,
        },
        "average_customer_sentiment": _avg(r.avg_sentiment),
        "meets_targets": {
            "service_level": None
            if service_level is None
            else service_level >= standard.responsiveness.call.service_level_target,
            "compliance": None if compliance is None else compliance >= q.compliance_target,
        },
    }


def _queue_service_level_rule(standard: Standard) -> AggregateRule | None:
    rules = standard.alerts.aggregates
    return next((r for r in rules if r.metric == "service_level" and r.subject == "queue"), None)


def live_window_seconds(standard: Standard) -> float:
    """The live window of per-queue numbers (console tiles, Prometheus gauges): the standard's queue
    service-level rule window, 15 minutes without one."""
    rule = _queue_service_level_rule(standard)
    return rule.window_seconds if rule else 900.0


def live_min_offered(standard: Standard) -> int:
    """Fewest calls offered before a live service level is judged (and a tile coloured): the same rule's
    min_count, so one unlucky call never paints a queue red."""
    rule = _queue_service_level_rule(standard)
    return rule.min_count if rule else 1


def live_queues(session: Session, start: datetime, end: datetime, standard: Standard) -> list[dict[str, Any]]:
    """Per queue: offered, answered in time, service level against target, abandonment, in [start, end)."""
    i = Interaction
    as_int = lambda cond: func.coalesce(func.sum(case((cond, 1), else_=0)), 0)  # noqa: E731
    stmt = (
        select(
            i.queue_id,
            as_int(i.counts_for_service_level.is_(True)).label("offered"),
            as_int(i.answered_within_limit.is_(True)).label("within"),
            as_int(i.abandoned.is_(True) & i.counts_for_service_level.is_(True)).label("abandoned"),
            as_int((i.final.is_(False)) & (i.kind == "call")).label("live"),
        )
        .where(i.queue_id.is_not(None), i.kind == "call", i.started_at >= start, i.started_at < end, i.status != "new")
        .group_by(i.queue_id)
        .order_by(i.queue_id)
    )
    target = standard.responsiveness.call.service_level_target
    return [
        {
            "queue_id": r.queue_id,
            "offered": r.offered,
            "answered_within_limit": r.within,
            "service_level": _ratio(r.within, r.offered),
            "target": target,
            "abandoned": r.abandoned,
            "abandonment_rate": _ratio(r.abandoned, r.offered),
            "live_calls": r.live,
        }
        for r in session.execute(stmt)
    ]
