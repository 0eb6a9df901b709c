"""`require(scope)`: the FastAPI dependency every /v1 endpoint declares. 401 without a valid key, 403 without
the scope, each with a message that says what to send."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from service.api.deps import StateDep
from service.auth.service import SCOPES, Principal

ANONYMOUS = Principal(None, "anonymous", frozenset(SCOPES))


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def require(*scopes: str) -> Callable[..., Awaitable[Principal]]:
    """A key with any one of `scopes` passes. A key verified recently is not read again (auth.service.KeyCache):
    the check then runs on the event loop, without a database round trip or a thread."""

    async def check(request: Request, state: StateDep) -> Principal:
        if not state.settings.auth_enabled:
            return ANONYMOUS
        token = _token(request)
        if not token:
            raise HTTPException(
                401,
                "missing API key: send 'Authorization: Bearer <key>' (create one with `callqa keys create`)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        principal = state.keys.cached(token) or await run_in_threadpool(state.keys.verify, token)
        if principal is None:
            raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        if principal.key_id is not None and state.key_usage.due(principal.key_id, state.clock()):
            await run_in_threadpool(state.key_usage.touch, principal.key_id, state.clock())
        if not any(principal.allows(scope) for scope in scopes):
            have = ", ".join(sorted(principal.scopes))
            need = " or ".join(f"'{s}'" for s in scopes)
            raise HTTPException(403, f"this key ({principal.name}) has scopes [{have}]; this needs {need}")
        return principal

    return check


# One callable per scope, so a router-level check and an endpoint's Principal share FastAPI's per-request cache.
require_ingest = require("ingest")
require_supervise = require("supervise")
require_admin = require("admin")
require_agent = require("agent")
require_agent_or_supervise = require("agent", "supervise")
require_any_key = require(*SCOPES)
Ingest = Annotated[Principal, Depends(require_ingest)]
Supervise = Annotated[Principal, Depends(require_supervise)]
Admin = Annotated[Principal, Depends(require_admin)]
Agent = Annotated[Principal, Depends(require_agent)]
AgentOrSupervisor = Annotated[Principal, Depends(require_agent_or_supervise)]
AnyKey = Annotated[Principal, Depends(require_any_key)]
