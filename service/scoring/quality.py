"""The whole judgement of one interaction: events + standard + `now` in, an `InteractionScore` out.

Pure: no I/O and no clock of its own, so HTTP ingest, Kafka consumers, the deadline sweeper and replays all get
the same answer for the same events.
"""

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from service.events.model import Event
from service.scoring.response_time import call_response, ticket_response
from service.scoring.script_compliance import evaluate_script
from service.scoring.sentiment import customer_sentiment_item, summarize
from service.scoring.timeline import Timeline, build_timeline
from service.scoring.trace import item_trace, score_trace
from service.scoring.types import InteractionScore, ScoreItem, Status
from service.standards.schema import Standard


def combine(items: Sequence[ScoreItem], final: bool, pass_mark: float) -> tuple[float | None, bool | None, bool]:
    """Weighted score over judged items (pending and not-applicable left out); a failed critical item fails."""
    judged = [i for i in items if i.status in (Status.PASS, Status.FAIL) and i.weight > 0]
    total = sum(i.weight for i in judged)
    score = round(100 * sum(i.weight for i in judged if i.status is Status.PASS) / total, 2) if total else None
    critical = any(i.critical and i.status is Status.FAIL for i in items)
    if critical:
        return score, False, True
    if not final:
        return score, None, False
    return score, (None if score is None else score >= pass_mark), False


def score_interaction(
    events: Iterable[Event], standard: Standard, now: datetime, *, per_utterance: bool = True
) -> InteractionScore:
    return score_timeline(build_timeline(events), standard, now, per_utterance=per_utterance)


def score_timeline(tl: Timeline, standard: Standard, now: datetime, *, per_utterance: bool = True) -> InteractionScore:
    """The score of a folded timeline (incremental ingest keeps one per live interaction: see TimelineFold).
    `per_utterance=False` leaves each turn's sentiment evidence out (see sentiment.summarize)."""
    response, items = (call_response if tl.kind == "call" else ticket_response)(tl, standard, now)
    summary = summarize(tl, standard.sentiment, per_utterance=per_utterance)
    items = (
        items
        + evaluate_script(tl, standard, now)
        + [customer_sentiment_item(tl, standard.sentiment, standard.quality.weights.customer_sentiment)]
    )
    critical_items = standard.quality.critical_items
    items = [
        replace(i, critical=i.critical or i.id in critical_items, trace=item_trace(i, tl, standard)) for i in items
    ]
    score, passed, critical = combine(items, tl.final, standard.quality.pass_mark)
    compliance = [i for i in items if i.category == "compliance"]
    deadlines = [i.deadline for i in items if i.status is Status.PENDING and i.deadline is not None]
    return InteractionScore(
        interaction_id=tl.interaction_id,
        kind=tl.kind,
        status=tl.status,
        final=tl.final,
        standard_version=standard.version,
        scored_at=now,
        quality_score=score,
        passed=passed,
        critical_failure=critical,
        compliance_passed=sum(i.status is Status.PASS for i in compliance),
        compliance_failed=sum(i.status is Status.FAIL for i in compliance),
        response=response,
        sentiment=summary,
        items=tuple(items),
        next_deadline=min(deadlines) if deadlines and not tl.final else None,
        agent_id=tl.agent_id,
        team_id=tl.team_id,
        queue_id=tl.queue_id,
        started_at=tl.started_at,
        ended_at=tl.ended_at or tl.resolved_at,
        trace=score_trace(items, standard),
    )
