"""Every error answer's shape, declared once: the bodies, the handlers that produce them, and the OpenAPI
responses that document them on every route (so the document says what the server does)."""

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.requests import Request

from service.dbstate import Reason, Unavailable, classify
from service.events.decode import describe, field_errors

log = logging.getLogger("callqa")


class Problem(BaseModel):
    """Any error: what went wrong and what to do, in one sentence a person can act on."""

    detail: str


class FieldProblem(BaseModel):
    field: str = Field(description="Where the value is, dotted (`events.0.occurred_at`, `to`); empty for the body")
    message: str


class InvalidRequest(Problem):
    """A request that does not validate: `detail` sums up `errors`, one per field."""

    errors: list[FieldProblem] = Field(default_factory=list)


class ServiceUnavailable(Problem):
    """The database cannot take the request now; try again after `Retry-After` seconds."""

    reason: Reason


def problem(description: str, model: type[Problem] = Problem) -> dict[str, Any]:
    """One documented error response, for a route's own `responses`."""
    return {"model": model, "description": description}


_UNAVAILABLE = problem("The database is down, full, read-only or busy; retry after Retry-After", ServiceUnavailable)
# Documented on every operation of a router: validation and the database can fail anywhere; keys where needed.
COMMON: dict[int | str, dict[str, Any]] = {
    422: problem("Invalid parameters or body; `errors` names each field", InvalidRequest),
    503: _UNAVAILABLE,
}
# What a JSON body adds (only routes that take one): FastAPI answers 400 when it cannot parse the body at all.
BODY: dict[int | str, dict[str, Any]] = {400: problem("The body cannot be parsed (not JSON, or a wrong content type)")}
KEYED: dict[int | str, dict[str, Any]] = {
    401: problem("No API key, or an invalid or revoked one"),
    403: problem("The key lacks the scope this operation needs"),
    **COMMON,
}


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database_failed)
    app.add_exception_handler(PoolTimeoutError, _database_failed)


async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    found = field_errors(exc.errors(), skip=("query", "path", "body", "header"))
    errors = [FieldProblem(field=e.field, message=e.message) for e in found]
    body = InvalidRequest(detail=f"invalid request: {describe(found)}", errors=errors)
    return JSONResponse(body.model_dump(), status_code=422)


async def _database_failed(request: Request, exc: Exception) -> JSONResponse:
    down = classify(exc)
    if down is None:
        raise exc  # not the database's condition: a bug, answered 500 and logged with its traceback
    log.warning("%s %s: 503 %s (%s)", request.method, request.url.path, down.reason, exc.__cause__ or exc)
    return unavailable(down, f"{down.detail}; retry later")


def unavailable(down: Unavailable, detail: str) -> JSONResponse:
    body = ServiceUnavailable(detail=detail, reason=down.reason)
    return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": str(down.retry_after)})
