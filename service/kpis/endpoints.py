"""GET /v1/kpis/tree and GET /v1/kpis/pareto: the KPI tree and failure causes over a range (default: 30 days)."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import AfterValidator

from service.api.deps import SessionDep, StateDep
from service.api.pagination import TimeRange, TimeRangeDep
from service.api.params import IdFilter
from service.kpis.buckets import Bucket, bucket_starts
from service.kpis.repository import Scope
from service.kpis.schemas import KpiTree, Pareto
from service.kpis.service import UnknownCauseSource, kpi_tree, pareto
from service.zones import check_zone

router = APIRouter(prefix="/v1/kpis", tags=["kpis"])

MAX_BUCKETS = 400
DEFAULT_DAYS = 30
ZoneQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="IANA time zone whose midnights begin the buckets (Asia/Shanghai, America/New_York); "
        "default the standard's `time_zone`",
    ),
    AfterValidator(lambda name: name if name is None else check_zone(name)),
]


def _range(when: TimeRange, now: Any, bucket: Bucket, time_zone: str) -> tuple[Any, Any]:
    end = when.end or now
    start = when.start or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise HTTPException(422, detail="'from' must be before 'to'")
    if len(bucket_starts(start, end, bucket, time_zone)) - 1 > MAX_BUCKETS:
        raise HTTPException(422, detail=f"'from': the range holds more than {MAX_BUCKETS} {bucket.value} buckets")
    return start, end


@router.get(
    "/tree",
    summary="KPIs centre -> team -> agent and per queue, in day/week/month buckets",
    response_model=KpiTree,
    response_model_by_alias=True,
)
def get_tree(
    session: SessionDep,
    state: StateDep,
    when: TimeRangeDep,
    bucket: Annotated[Bucket, Query(description="Bucket size; weeks begin on Monday")] = Bucket.DAY,
    time_zone: ZoneQuery = None,
) -> dict[str, Any]:
    now = state.clock()
    standard = state.pipeline.standard_at(session, now)
    zone = time_zone or standard.time_zone
    start, end = _range(when, now, bucket, zone)
    return kpi_tree(session, standard, start, end, bucket, zone, now)


@router.get(
    "/pareto",
    summary="Failure causes sorted by count with cumulative share, per team, queue and period",
    response_model=Pareto,
)
def get_pareto(
    session: SessionDep,
    state: StateDep,
    when: TimeRangeDep,
    causes: Annotated[
        str,
        Query(max_length=64, description="`rules` (failed score items) or `root_causes` (of review cases)"),
    ] = "rules",
    team_id: IdFilter = None,
    queue_id: IdFilter = None,
    bucket: Annotated[Bucket | None, Query(description="One period per bucket; without it, one for the range")] = None,
    time_zone: ZoneQuery = None,
) -> dict[str, Any]:
    end = when.end or state.clock()
    standard = state.pipeline.standard_at(session, end)
    zone = time_zone or standard.time_zone
    start, end = _range(when, state.clock(), bucket or Bucket.MONTH, zone)
    try:
        scope = Scope(start, end, team_id, queue_id)
        return pareto(session, standard, state.cause_sources, causes, scope, bucket, zone)
    except UnknownCauseSource as exc:
        raise HTTPException(422, detail=f"causes: {exc}") from exc
