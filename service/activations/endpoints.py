"""POST /v1/standards/activations (admin): a version judges interactions that start from its effective time on,
once its fixture cases pass; no restart, no stored score rewritten."""

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from service.activations import service as activations
from service.api.deps import SessionDep, StateDep
from service.api.errors import BODY, Problem, problem
from service.auth.deps import Admin
from service.events.schemas import UtcTime
from service.standards import service as standards
from service.standards.endpoints import ActivationOut
from service.standards.loader import StandardsError, parse_standard
from service.standards.schema import VERSION_PATTERN

router = APIRouter(prefix="/v1/standards", tags=["standards"])


class ActivationIn(BaseModel):
    """Exactly one of `standard` (a standards file's YAML text) or `version` (one already recorded: a rollback)."""

    standard: str | None = Field(None, min_length=1, max_length=262_144, description="The YAML text")
    version: str | None = Field(None, min_length=1, max_length=64, pattern=VERSION_PATTERN)
    effective_at: UtcTime | None = Field(
        None, description="From when new interactions are judged by it (now or later; default now)"
    )

    @model_validator(mode="after")
    def _one_source(self) -> "ActivationIn":
        if (self.standard is None) == (self.version is None):
            raise ValueError("send exactly one of `standard` (YAML text) or `version` (a recorded version)")
        return self


class Activated(ActivationOut):
    fixture_cases: int = Field(description="The version's fixture cases, all of which passed")
    fixture_checks: int


class FixtureFailureOut(BaseModel):
    case: str
    item: str
    expected: str
    got: str
    detail: str


class ActivationRefusedOut(Problem):
    """Why a version was not activated; `failures` lists each failing fixture check."""

    failures: list[FixtureFailureOut] = Field(default_factory=list)


@router.post(
    "/activations",
    response_model=Activated,
    status_code=201,
    summary="Activate a standard version from a time on, without a restart (admin)",
    description="Interactions that start from `effective_at` on are judged by this version; those started "
    "before keep the version they were judged by, and no stored score is rewritten. Refused (422, with each "
    "failing case) when the version's fixture cases fail.",
    responses={
        **BODY,
        404: problem("`version` names no recorded version"),
        409: problem("The version is recorded with other content: give the changed file a new `version`"),
        422: problem("Not a valid standard, a past `effective_at`, or failing fixture cases", ActivationRefusedOut),
    },
)
def activate(body: ActivationIn, session: SessionDep, state: StateDep, admin: Admin) -> Any:
    now = state.clock()
    try:
        if body.standard is not None:
            loaded = parse_standard(body.standard, "standard")
        else:
            loaded = activations.recorded(session, body.version or "")
        done = activations.activate(session, loaded, body.effective_at or now, admin.name, now)
    except StandardsError as exc:
        raise HTTPException(422, str(exc)) from exc
    except activations.ActivationRefused as exc:
        session.rollback()
        failures = [f.as_dict() for f in exc.failures]
        return JSONResponse({"detail": str(exc), "failures": failures}, status_code=exc.status)
    session.commit()
    standards.refresh(session, state.pipeline.book)
    return Activated(**ActivationOut.of(done.row).model_dump(), fixture_cases=done.cases, fixture_checks=done.checks)
