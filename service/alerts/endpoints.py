"""GET /v1/alerts: raised alerts, newest first, with their evidence."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from service.alerts.repository import list_alerts
from service.alerts.schemas import AlertOut
from service.api.deps import SessionDep
from service.api.pagination import Page, PagingDep, TimeRangeDep, page_of

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])


@router.get("", response_model=Page[AlertOut], summary="List alerts (filters: state, severity, rule, subject)")
def get_alerts(
    session: SessionDep,
    paging: PagingDep,
    when: TimeRangeDep,
    state: Annotated[Literal["open", "acknowledged", "resolved"] | None, Query()] = None,
    severity: Annotated[Literal["info", "warning", "critical"] | None, Query()] = None,
    rule: str | None = None,
    interaction_id: str | None = None,
    agent_id: str | None = None,
    team_id: str | None = None,
    queue_id: str | None = None,
) -> Page[AlertOut]:
    filters = {
        "state": state,
        "severity": severity,
        "rule": rule,
        "interaction_id": interaction_id,
        "agent_id": agent_id,
        "team_id": team_id,
        "queue_id": queue_id,
    }
    rows, total = list_alerts(
        session, filters=filters, start=when.start, end=when.end, limit=paging.limit, offset=paging.offset
    )
    return page_of([AlertOut.model_validate(r) for r in rows], total, paging)
