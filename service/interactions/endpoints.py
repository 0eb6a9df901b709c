"""GET /v1/interactions and /v1/interactions/{id}: scores with every rule's evidence and the timeline."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from service.alerts.repository import alerts_of_interaction
from service.api.deps import SessionDep
from service.api.pagination import Page, PagingDep, TimeRangeDep, page_of
from service.interactions import repository as repo
from service.interactions.models import Interaction
from service.interactions.schemas import AlertBrief, InteractionDetail, InteractionSummary, TimelineEvent

router = APIRouter(prefix="/v1/interactions", tags=["interactions"])


@router.get("", response_model=Page[InteractionSummary], summary="List scored interactions")
def list_interactions(
    session: SessionDep,
    paging: PagingDep,
    when: TimeRangeDep,
    agent_id: str | None = None,
    team_id: str | None = None,
    queue_id: str | None = None,
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


@router.get("/{interaction_id}", response_model=InteractionDetail, summary="One interaction, fully explained")
def get_interaction(interaction_id: str, session: SessionDep) -> InteractionDetail:
    row = session.get(Interaction, interaction_id)
    if row is None or row.status == "new":
        raise HTTPException(404, detail=f"no interaction {interaction_id!r}")
    timeline = [TimelineEvent.model_validate(r) for r in repo.event_records_of(session, interaction_id)]
    alerts = [AlertBrief.model_validate(a) for a in alerts_of_interaction(session, interaction_id)]
    summary = InteractionSummary.model_validate(row).model_dump()
    return InteractionDetail(**summary, score=row.score, timeline=timeline, alerts=alerts)
