"""POST /v1/events: decode -> validate -> ingest (score, store, alert; or produce) -> commit -> per-event results."""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from service.api import errors
from service.api.deps import AppState, get_state
from service.api.responses import FastJSONResponse
from service.auth.deps import require_ingest
from service.events.decode import BodyError, Rejection, TooLarge, limits_of
from service.events.fast import decode_body
from service.events.model import Event
from service.ingest.service import ingest
from service.ingest.sink import SinkUnavailable
from service.interactions.service import Recorded

router = APIRouter(prefix="/v1", tags=["events"])
# A body up to this size (one event, a small batch) is decoded on the event loop, in well under a millisecond by
# the fast path; a larger one in a worker thread, so that it does not hold up the other requests.
_DECODE_ON_LOOP_BYTES = 16 * 1024

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
        **{code: errors.KEYED[code] for code in (401, 403)},  # the key is checked here, not by a router dependency
        200: {"description": "A single event already stored (duplicate event_id)"},
        207: {"description": "Batch with some events rejected; the others were stored"},
        400: {"description": "Body is not JSON or not an event / batch"},
        408: {"description": "Body not received in time (CALLQA_BODY_TIMEOUT_SECONDS)"},
        413: {"description": "Body or batch too large"},
        422: {"description": "Event(s) rejected; each error names its field"},
    },
)
async def post_events(request: Request) -> JSONResponse:
    # No FastAPI dependencies on the busiest route: solving them cost more than the rest of the request's edge
    state = await get_state(request)
    await require_ingest(request, state)
    raw = await request.body()  # after the key check; capped and timed by service.api.body
    limits, now = limits_of(state.settings), state.clock()
    try:
        if len(raw) <= _DECODE_ON_LOOP_BYTES:
            validated, is_batch = decode_body(raw, limits, now)
        else:  # a batch: its events validated off the event loop
            validated, is_batch = await run_in_threadpool(decode_body, raw, limits, now)
    except BodyError as exc:
        return refused(exc)
    if state.writer is None:  # Kafka mode: produced, answered once the broker has them
        with state.sessions() as session:
            _, recorded = await ingest_request(state, session, "http", lambda _: (None, validated))
        return _answer(recorded, is_batch)
    # In-process: committed with the requests waiting beside it (service.ingest.writer)
    return _answer(await state.writer.record(validated, "http"), is_batch)


def _answer(recorded: Recorded, is_batch: bool) -> JSONResponse:
    alerts = recorded.alerts_brief()
    if not is_batch:
        outcome = recorded.outcomes[0]
        body = {**outcome.as_dict(), "alerts": alerts}
        if outcome.status == "rejected":
            body["detail"] = "event rejected: " + outcome.reason
        return FastJSONResponse(body, status_code={"accepted": 202, "duplicate": 200, "rejected": 422}[outcome.status])
    counts = {s: recorded.count(s) for s in ("accepted", "duplicate", "rejected")}
    rejected, total = counts["rejected"], len(recorded.outcomes)
    status = 202 if rejected == 0 else (422 if rejected == total else 207)
    body = {**counts, "results": [o.as_dict() for o in recorded.outcomes], "alerts": alerts}
    return FastJSONResponse(body, status_code=status)


Prepared = TypeVar("Prepared")


async def ingest_request(
    state: AppState,
    session: Session,
    source: str,
    prepare: Callable[[datetime], tuple[Prepared, list[Event | Rejection]]],
) -> tuple[Prepared, Recorded]:
    """What both ingest routes do once the body is read: off the event loop, prepare the items at one `now`,
    ingest them and commit. A broker that does not take them is answered 503 (nothing was accepted)."""

    def work() -> tuple[Prepared, Recorded]:
        now = state.clock()
        prepared, items = prepare(now)
        recorded = ingest(session, state.pipeline, items, source, now, state.sink)
        session.commit()  # after a publish: a source's record version is kept only once its events are on the topic
        return prepared, recorded

    try:
        return await run_in_threadpool(work)
    except SinkUnavailable as exc:
        raise HTTPException(503, f"events not accepted, retry later: {exc}") from exc


def refused(exc: Exception) -> JSONResponse:
    """A body refused as a whole: 413 when it holds too much (TooLarge), else 400 (not in its format)."""
    return JSONResponse({"detail": str(exc)}, status_code=413 if isinstance(exc, TooLarge) else 400)
