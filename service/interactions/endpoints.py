"""GET /v1/interactions and /v1/interactions/{id}: scores with every rule's evidence and the timeline."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from service.alerts.repository import alerts_of_interaction
from service.alerts.schemas import AlertSummary
from service.api.deps import SessionDep, StateDep
from service.api.errors import problem
from service.api.pagination import Page, PagingDep, TimeRangeDep, page_of
from service.api.params import IdFilter, IdPath
from service.interactions import repository as repo
from service.interactions.liveness import is_stale
from service.interactions.models import Interaction
from service.interactions.schemas import InteractionDetail, InteractionSummary, TimelineEvent

router = APIRouter(prefix="/v1/interactions", tags=["interactions"])


@router.get("", response_model=Page[InteractionSummary], summary="List scored interactions")
def list_interactions(
    session: SessionDep,
    paging: PagingDep,
    when: TimeRangeDep,
    agent_id: IdFilter = None,
    team_id: IdFilter = None,
    queue_id: IdFilter = None,
    kind: Annotated[Literal["call", "ticket"] | None, Query()] = None,
    passed: bool | None = None,
) -> Page[InteractionSummary]:
    rows, total = repo.list_interactions(
        session,
        agent_id=agent_id,
        team_id=team_id,
        queue_id=queue_id,
        kind=kind,
        passed=passed,
        start=when.start,
        end=when.end,
        limit=paging.limit,
        offset=paging.offset,
    )
    return page_of([InteractionSummary.model_validate(r) for r in rows], total, paging)


@router.get(
    "/live",
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
    heard = repo.last_event_times(session, [r.id for r in rows])
    now = state.clock()
    standard = state.pipeline.standard_at(session, now)
    items = []
    for r in rows:
        last = heard.get(r.id)
        stale = is_stale(r.kind, r.final, r.started_at, last, now, standard)
        items.append({**_live(r), "last_event_at": last.isoformat() if last else None, "stale": stale})
    return {"stale_after_seconds": standard.responsiveness.call.stale_after_seconds, "items": items}


def _live(row: Interaction) -> dict[str, Any]:
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
            for u in score.get("sentiment", {}).get("per_utterance", [])
        ],
    }


@router.get(
    "/{interaction_id}",
    response_model=InteractionDetail,
    summary="One interaction, fully explained",
    responses={404: problem("No scored interaction with this id")},
)
def get_interaction(interaction_id: IdPath, session: SessionDep) -> InteractionDetail:
    row = session.get(Interaction, interaction_id)
    if row is None or row.status == "new":
        raise HTTPException(404, detail=f"no interaction {interaction_id!r}")
    timeline = [TimelineEvent.model_validate(r) for r in repo.event_records_of(session, interaction_id)]
    alerts = [AlertSummary.model_validate(a) for a in alerts_of_interaction(session, interaction_id)]
    summary = InteractionSummary.model_validate(row).model_dump()
    return InteractionDetail(**summary, score=row.score, timeline=timeline, alerts=alerts)
