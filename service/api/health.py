"""Liveness and readiness. Ready means the database can be written, not just read: a read-only or full
database takes reads but refuses every event, and a load balancer should send events elsewhere."""

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from service import __version__
from service.api.deps import SessionDep, StateDep
from service.api.errors import ServiceUnavailable, problem, unavailable
from service.dbstate import check_writable

router = APIRouter(tags=["health"])


class Ready(BaseModel):
    status: Literal["ready"]
    standard_version: str


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


@router.get(
    "/readyz",
    response_model=Ready,
    summary="The database answers and can be written",
    responses={503: problem("Not ready: the database is down, full, read-only or busy", ServiceUnavailable)},
)
def readyz(session: SessionDep, state: StateDep) -> JSONResponse:
    down = check_writable(session)
    if down is not None:
        return unavailable(down, down.detail)
    return JSONResponse({"status": "ready", "standard_version": state.pipeline.book.in_force_at(state.clock()).version})
