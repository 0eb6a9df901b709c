"""Alerts API: list, one with its history, acknowledge, resolve, and a live Server-Sent Events stream."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from service.alerts import lifecycle
from service.alerts.models import Alert
from service.alerts.repository import last_transition_id, list_alerts, transitions_after, transitions_of
from service.alerts.schemas import AlertDetail, AlertOut, TransitionOut, alert_doc, transition_doc
from service.api.deps import SessionDep, StateDep
from service.api.errors import BODY, problem
from service.api.pagination import Page, PagingDep, TimeRangeDep, page_of
from service.api.params import IdFilter, RowIdPath
from service.auth.deps import Supervise
from service.db import MAX_INTEGER_ID, session_scope
from service.events.schemas import TEXT_PATTERN

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

State = Literal["open", "acknowledged", "resolved"]
Severity = Literal["info", "warning", "critical"]
_KEEPALIVE_SECONDS = 15.0
# A stream ends after this long and the client resumes with Last-Event-ID: connections stay bounded and a
# server shutting down never waits on a console left open.
_STREAM_MAX_SECONDS = 300.0
_POLL_SECONDS = 0.5
TransitionId = Annotated[int, Field(ge=0, le=MAX_INTEGER_ID)]


_NO_ALERT: dict[int | str, dict[str, Any]] = {404: problem("No alert with this id")}
_CHANGE: dict[int | str, dict[str, Any]] = {
    **BODY,
    **_NO_ALERT,
    409: problem("The alert's state does not allow this change (e.g. already resolved)"),
}


class Note(BaseModel):
    note: str | None = Field(None, max_length=2000, pattern=TEXT_PATTERN)


@router.get("", response_model=Page[AlertOut], summary="List alerts (filters: state, severity, rule, subject)")
def get_alerts(
    session: SessionDep,
    paging: PagingDep,
    when: TimeRangeDep,
    state: Annotated[State | None, Query()] = None,
    severity: Annotated[Severity | None, Query()] = None,
    rule: IdFilter = None,
    interaction_id: IdFilter = None,
    agent_id: IdFilter = None,
    team_id: IdFilter = None,
    queue_id: IdFilter = None,
) -> Page[AlertOut]:
    filters = {
        "state": state, "severity": severity, "rule": rule, "interaction_id": interaction_id,
        "agent_id": agent_id, "team_id": team_id, "queue_id": queue_id,
    }  # fmt: skip
    rows, total = list_alerts(
        session, filters=filters, start=when.start, end=when.end, limit=paging.limit, offset=paging.offset
    )
    return page_of([AlertOut.model_validate(r) for r in rows], total, paging)


@router.get("/stream", summary="Live alert changes as Server-Sent Events; resume with Last-Event-ID")
async def stream_alerts(
    request: Request,
    state: StateDep,
    last_event_id: Annotated[TransitionId | None, Header(description="A transition id, as sent in `id:`")] = None,
    after: Annotated[TransitionId | None, Query(alias="last_event_id")] = None,
    severity: Annotated[Severity | None, Query()] = None,
    alert_state: Annotated[State | None, Query(alias="state")] = None,
    rule: IdFilter = None,
    queue_id: IdFilter = None,
    team_id: IdFilter = None,
) -> StreamingResponse:
    """Each message is one transition (`id:` = transition id) with the alert as it is now. Without
    Last-Event-ID the stream starts from now; with it, every transition after that id is sent first."""
    filters = {"severity": severity, "state": alert_state, "rule": rule, "queue_id": queue_id, "team_id": team_id}
    start = last_event_id if last_event_id is not None else after

    def now_cursor() -> int:
        with session_scope(state.sessions) as session:
            return last_transition_id(session)

    def fetch(cursor: int) -> tuple[int, list[dict[str, Any]]]:
        with session_scope(state.sessions) as session:
            return _changes(session, cursor, filters)

    async def events() -> AsyncIterator[str]:
        cursor = start if start is not None else await run_in_threadpool(now_cursor)
        yield "retry: 2000\n\n"
        idle = 0.0
        ends = asyncio.get_running_loop().time() + _STREAM_MAX_SECONDS
        while not await request.is_disconnected() and asyncio.get_running_loop().time() < ends:
            cursor, messages = await run_in_threadpool(fetch, cursor)
            for m in messages:
                yield f"id: {m['transition']['id']}\nevent: alert\ndata: {json.dumps(m)}\n\n"
            idle = 0.0 if messages else idle + _POLL_SECONDS
            if idle >= _KEEPALIVE_SECONDS:
                idle = 0.0
                yield ": keepalive\n\n"
            await asyncio.sleep(_POLL_SECONDS)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def _changes(session: Session, cursor: int, filters: dict[str, str | None]) -> tuple[int, list[dict[str, Any]]]:
    """Transitions after `cursor` that match the filters, and the new cursor (past the ones filtered out too)."""
    messages = []
    for transition, alert in transitions_after(session, cursor, limit=500):
        cursor = transition.id
        if all(v is None or getattr(alert, k) == v for k, v in filters.items()):
            messages.append({"transition": transition_doc(transition), "alert": alert_doc(alert)})
    return cursor, messages


def _alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise HTTPException(404, f"no alert {alert_id}")
    return alert


@router.get("/{alert_id}", summary="One alert with every change of its state", responses=_NO_ALERT)
def get_alert(alert_id: RowIdPath, session: SessionDep) -> AlertDetail:
    alert = _alert(session, alert_id)
    return AlertDetail(
        **AlertOut.model_validate(alert).model_dump(),
        history=[TransitionOut.model_validate(t) for t in transitions_of(session, alert_id)],
    )


def _change(alert_id: int, body: Note | None, who: str, session: Session, state: Any, change: Any) -> AlertOut:
    alert = _alert(session, alert_id)
    try:
        change(session, alert, who, body.note if body else None, state.clock(), state.pipeline.destinations)
    except lifecycle.TransitionError as exc:
        raise HTTPException(409, str(exc)) from exc
    session.commit()
    return AlertOut.model_validate(alert)


@router.post(
    "/{alert_id}/ack", summary="Acknowledge an open alert (who and an optional note are kept)", responses=_CHANGE
)
def ack_alert(
    alert_id: RowIdPath, session: SessionDep, state: StateDep, principal: Supervise, body: Note | None = None
) -> AlertOut:
    return _change(alert_id, body, principal.name, session, state, lifecycle.acknowledge)


@router.post("/{alert_id}/resolve", summary="Resolve an alert (who and an optional note are kept)", responses=_CHANGE)
def resolve_alert(
    alert_id: RowIdPath, session: SessionDep, state: StateDep, principal: Supervise, body: Note | None = None
) -> AlertOut:
    return _change(alert_id, body, principal.name, session, state, lifecycle.resolve)
