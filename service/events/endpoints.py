"""POST /v1/events: decode -> validate -> record (score, store, alert) -> commit -> per-event results."""

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from service.api.deps import SessionDep, StateDep
from service.events.decode import BatchTooLarge, BodyError, describe, limits_of, parse_body, split_batch, validate_items
from service.events.sink import SinkUnavailable, publish
from service.interactions.service import Recorded

router = APIRouter(prefix="/v1", tags=["events"])

_EXAMPLE = {
    "event_id": "c-1001-ans",
    "type": "call.answered",
    "occurred_at": "2026-11-24T09:00:12+00:00",
    "interaction_id": "c-1001",
    "agent_id": "a-7",
    "team_id": "t-1",
    "queue_id": "billing",
    "payload": {},
}


@router.post(
    "/events",
    status_code=202,
    summary='Ingest one event or a batch {"events": [...]}',
    openapi_extra={"requestBody": {"content": {"application/json": {"example": _EXAMPLE}}, "required": True}},
    responses={
        200: {"description": "A single event already stored (duplicate event_id)"},
        207: {"description": "Batch with some events rejected; the others were stored"},
        400: {"description": "Body is not JSON or not an event / batch"},
        408: {"description": "Body not received in time (CALLQA_BODY_TIMEOUT_SECONDS)"},
        413: {"description": "Body or batch too large"},
        422: {"description": "Event(s) rejected; each error names its field"},
    },
)
async def post_events(request: Request, session: SessionDep, state: StateDep) -> JSONResponse:
    raw = await request.body()  # after the router's key check; capped and timed by service.api.body
    limits = limits_of(state.settings)
    try:
        items, is_batch = split_batch(parse_body(raw), limits)
    except BodyError as exc:
        return _error(413 if isinstance(exc, BatchTooLarge) else 400, str(exc))

    def record() -> Recorded:
        now = state.clock()
        validated = validate_items(items, limits, now)
        if state.sink is not None:
            return publish(state.sink, state.pipeline.redact(validated, state.clock()))
        recorded = state.pipeline.record_events(session, validated, "http", now)
        session.commit()
        return recorded

    try:
        recorded = await run_in_threadpool(record)
    except SinkUnavailable as exc:
        return _error(503, f"events not accepted, retry later: {exc}")
    alerts = recorded.alerts_brief()
    if not is_batch:
        outcome = recorded.outcomes[0]
        body = {**outcome.as_dict(), "alerts": alerts}
        if outcome.status == "rejected":
            body["detail"] = "event rejected: " + describe(outcome.errors)
        return JSONResponse(body, status_code={"accepted": 202, "duplicate": 200, "rejected": 422}[outcome.status])
    counts = {s: recorded.count(s) for s in ("accepted", "duplicate", "rejected")}
    status = 202 if counts["rejected"] == 0 else (422 if counts["rejected"] == len(items) else 207)
    body = {**counts, "results": [o.as_dict() for o in recorded.outcomes], "alerts": alerts}
    return JSONResponse(body, status_code=status)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)
