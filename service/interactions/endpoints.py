"""GET /v1/interactions and /v1/interactions/{id}: scores with every rule's evidence and the timeline.

Scopes per route: `supervise` for all; an `agent` key may list its own agent's interactions (the summaries it
reviews and disputes through /v1/interactions/{id}/review), never read another's or a transcript."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query

from service.alerts.repository import alerts_of_interaction
from service.alerts.schemas import AlertSummary
from service.api.deps import SessionDep, StateDep
from service.api.errors import KEYED, problem
from service.api.pagination import Page, PagingDep, TimeRangeDep, page_of, text_key, utc_time
from service.api.params import IdFilter, IdPath
from service.auth.deps import AgentOrSupervisor, require_supervise
from service.events.model import Event
from service.interactions import repository as repo
from service.interactions.liveness import is_stale
from service.interactions.models import Interaction
from service.interactions.schemas import InteractionDetail, InteractionSummary, TimelineEvent
from service.scoring.sentiment import utterance_evidence
from service.scoring.timeline import build_timeline
from service.scoring.types import evidence_dicts
from service.standards.schema import SentimentStandard

router = APIRouter(prefix="/v1/interactions", tags=["interactions"], responses=KEYED)
SUPERVISE = [Depends(require_supervise)]


@router.get(
    "", response_model=Page[InteractionSummary],
    summary="List scored interactions (an agent key: its own agent's only, whatever agent_id says)",
)  # fmt: skip
def list_interactions(
    session: SessionDep,
    principal: AgentOrSupervisor,
    paging: PagingDep,
    when: TimeRangeDep,
    agent_id: IdFilter = None,
    team_id: IdFilter = None,
    queue_id: IdFilter = None,
    kind: Annotated[Literal["call", "ticket"] | None, Query()] = None,
    passed: bool | None = None,
) -> Page[InteractionSummary]:
    rows, more, total = repo.list_interactions(
        session,
        agent_id=principal.own_agent or agent_id,
        team_id=team_id,
        queue_id=queue_id,
        kind=kind,
        passed=passed,
        start=when.start,
        end=when.end,
        window=paging.window(utc_time, text_key),
    )
    last = [rows[-1].started_at.isoformat(), rows[-1].id] if rows else None
    return page_of([InteractionSummary.model_validate(r) for r in rows], paging, more, total, last)


@router.get(
    "/live",
    dependencies=SUPERVISE,
    summary="Live interactions with their checklist in progress, sentiment trend, last event and whether they are "
    "stale (silent longer than the standard's responsiveness.call.stale_after_seconds)",
)
def live_interactions(
    session: SessionDep,
    state: StateDep,
    kind: Annotated[Literal["call", "ticket"] | None, Query()] = "call",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    rows = repo.live_interactions(session, kind, limit)
    events = repo.events_of_many(session, [r.id for r in rows])
    now = state.clock()
    standard = state.pipeline.standard_at(session, now)
    items = []
    for r in rows:
        mine = events[r.id]
        last = max((e.occurred_at for e in mine), default=None)  # the events are read anyway, for the sentiment
        stale = is_stale(r.kind, r.final, r.started_at, last, now, standard)
        live = _live(r, utterance_sentiment(mine, state.pipeline.judged_by(r).sentiment))
        items.append({**live, "last_event_at": last.isoformat() if last else None, "stale": stale})
    return {"stale_after_seconds": standard.responsiveness.call.stale_after_seconds, "items": items}


def utterance_sentiment(events: list[Event], std: SentimentStandard) -> list[dict[str, Any]]:
    """Each turn's sentiment evidence: ingest stores scores without it (it grows with the call), reads add it."""
    return evidence_dicts(utterance_evidence(build_timeline(events), std)) if events else []


def _live(row: Interaction, per_utterance: list[dict[str, Any]]) -> dict[str, Any]:
    score = row.score or {}
    # A call still in the queue has not been judged on anything a quality score weighs: no score, not 0.
    quality = None if row.status == "queued" else row.quality_score
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "agent_id": row.agent_id,
        "queue_id": row.queue_id,
        "team_id": row.team_id,
        "started_at": row.started_at.isoformat(),
        "quality_score": quality,
        "checklist": [
            {"id": i["id"], "status": i["status"], "detail": i["detail"]}
            for i in score.get("items", [])
            if i.get("category") == "compliance"
        ],
        "sentiment": [
            {"offset_ms": u.get("offset_ms"), "speaker": u.get("speaker"), "value": u.get("value")}
            for u in per_utterance
        ],
    }


@router.get(
    "/{interaction_id}",
    dependencies=SUPERVISE,
    response_model=InteractionDetail,
    summary="One interaction, fully explained",
    responses={404: problem("No scored interaction with this id")},
)
def get_interaction(interaction_id: IdPath, session: SessionDep, state: StateDep) -> InteractionDetail:
    row = session.get(Interaction, interaction_id)
    if row is None or row.status == "new":
        raise HTTPException(404, detail=f"no interaction {interaction_id!r}")
    records = repo.event_records_of(session, interaction_id)
    timeline = [TimelineEvent.model_validate(r) for r in records]
    alerts = [AlertSummary.model_validate(a) for a in alerts_of_interaction(session, interaction_id)]
    summary = InteractionSummary.model_validate(row).model_dump()
    score = dict(row.score)
    sentiment = score.get("sentiment")
    if sentiment is not None and "per_utterance" not in sentiment:
        events = [repo.to_event(r) for r in records]
        if per_utterance := utterance_sentiment(events, state.pipeline.judged_by(row).sentiment):
            score["sentiment"] = {**sentiment, "per_utterance": per_utterance}
    return InteractionDetail(**summary, score=score, timeline=timeline, alerts=alerts)
