"""GET /v1/queues/live, /v1/agents/live and /v1/trends: the floor now and over the shift, for the console."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from service.api.deps import SessionDep, StateDep
from service.api.pagination import TimeRangeDep
from service.api.params import IdFilter
from service.floor import repository as repo
from service.floor.schemas import AgentsLive, QueuesLive, Trends
from service.floor.service import agent_table, queue_floor, trends
from service.scorecards.service import live_min_offered, live_queues, live_window_seconds

router = APIRouter(prefix="/v1", tags=["floor"])

SHIFT = timedelta(hours=8)  # the default span of "today so far" when the console does not say
MAX_BUCKETS = 500


@router.get(
    "/queues/live",
    response_model=QueuesLive,
    summary="Per queue: service level and abandonment over the standard's live window, contacts waiting, oldest "
    "wait, average speed of answer, handle time, agents on contacts",
)
def queues_live(session: SessionDep, state: StateDep) -> dict[str, Any]:
    now = state.clock()
    standard = state.pipeline.standard_at(session, now)
    window = live_window_seconds(standard)
    start = now - timedelta(seconds=window)
    levels = {q["queue_id"]: q for q in live_queues(session, start, now, standard)}
    floor = queue_floor(repo.contacts_since(session, start, now, calls_only=True), start, now, standard)
    empty = {"offered": 0, "answered_within_limit": 0, "service_level": None, "abandoned": 0, "abandonment_rate": None}
    target = standard.responsiveness.call.service_level_target
    items = [
        {"queue_id": q, **empty, "target": target, "live_calls": 0, **levels.get(q, {}), **floor.get(q, {})}
        for q in sorted(levels.keys() | floor.keys())
    ]
    return {
        "window_seconds": window,
        "min_offered": live_min_offered(standard),
        "stale_after_seconds": standard.responsiveness.call.stale_after_seconds,
        "items": items,
    }


@router.get(
    "/agents/live",
    response_model=AgentsLive,
    response_model_by_alias=True,
    summary="Per agent: state now, current contact, time in state, and handled / average quality / average "
    "customer sentiment since `from` (default: the last 8 hours)",
)
def agents_live(session: SessionDep, state: StateDep, when: TimeRangeDep) -> dict[str, Any]:
    now = state.clock()
    start = when.start or now - SHIFT
    if start >= now:
        raise HTTPException(422, detail="'from' must be in the past")
    rows = agent_table(repo.contacts_since(session, start, now), start, now, state.pipeline.standard_at(session, now))
    return {"from": start.isoformat(), "to": now.isoformat(), "items": rows}


@router.get(
    "/trends",
    response_model=Trends,
    response_model_by_alias=True,
    summary="Service level, script compliance, customer sentiment and quality per time bucket (default: the last "
    "8 hours in quarter-hours)",
)
def get_trends(
    session: SessionDep,
    state: StateDep,
    when: TimeRangeDep,
    bucket_seconds: Annotated[int, Query(ge=60, le=86400, description="Bucket length")] = 900,
    queue_id: IdFilter = None,
    team_id: IdFilter = None,
) -> dict[str, Any]:
    end = when.end or state.clock()
    start = when.start or end - SHIFT
    if start >= end:
        raise HTTPException(422, detail="'from' must be before 'to' (default 'to': now)")
    if (end - start).total_seconds() / bucket_seconds > MAX_BUCKETS:
        raise HTTPException(422, detail=f"bucket_seconds too small: at most {MAX_BUCKETS} buckets per request")
    standard = state.pipeline.standard_at(session, end)
    rows = repo.contacts_between(session, start, end, queue_id, team_id)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "bucket_seconds": bucket_seconds,
        "standard_version": standard.version,
        "targets": {
            "service_level": standard.responsiveness.call.service_level_target,
            "compliance_rate": standard.quality.compliance_target,
            "customer_sentiment": next(
                (
                    r.below
                    for r in standard.alerts.aggregates
                    if r.metric == "customer_sentiment" and r.below is not None
                ),
                standard.sentiment.customer_alert_below,
            ),
            "quality": standard.quality.pass_mark,
        },
        "buckets": trends(rows, start, end, bucket_seconds),
    }
