"""/v1/standards: the version in force, every recorded version, and activations at run time (admin)."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field, model_validator

from service.api.deps import SessionDep, StateDep
from service.api.errors import BODY, Problem, problem
from service.api.params import IdPath
from service.auth.deps import Admin
from service.events.schemas import UtcTime
from service.standards import repository as repo
from service.standards import service
from service.standards.loader import StandardsError, parse_standard
from service.standards.models import StandardActivation, StandardVersion
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


class ActivationOut(BaseModel):
    id: int
    version: str
    effective_at: datetime
    activated_at: datetime
    activated_by: str

    @classmethod
    def of(cls, row: StandardActivation) -> "ActivationOut":
        return cls(id=row.id, version=row.version, effective_at=row.effective_at, activated_at=row.activated_at,
                   activated_by=row.activated_by)  # fmt: skip


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


def _version_row(v: StandardVersion, in_force: str) -> dict[str, Any]:
    return {"version": v.version, "name": v.name, "sha256": v.sha256, "first_loaded_at": v.first_loaded_at.isoformat(),
            "current": v.version == in_force}  # fmt: skip


@router.get("", summary="The standard in force now (parsed), every recorded version and every activation")
def get_standards(session: SessionDep, state: StateDep) -> dict[str, Any]:
    current = state.pipeline.standard_at(session, state.clock())
    return {
        "current": current.model_dump(mode="json"),
        "versions": [_version_row(v, current.version) for v in repo.all_versions(session)],
        "activations": [ActivationOut.of(a).model_dump(mode="json") for a in repo.activations(session)],
    }


@router.get("/activations", response_model=list[ActivationOut], summary="Every activation, in the order made")
def list_activations(session: SessionDep) -> list[ActivationOut]:
    return [ActivationOut.of(a) for a in repo.activations(session)]


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
            loaded = service.recorded(session, body.version or "")
        done = service.activate(session, loaded, body.effective_at or now, admin.name, now)
    except StandardsError as exc:
        raise HTTPException(422, str(exc)) from exc
    except service.ActivationRefused as exc:
        session.rollback()
        failures = [f.as_dict() for f in exc.failures]
        return JSONResponse({"detail": str(exc), "failures": failures}, status_code=exc.status)
    session.commit()
    service.refresh(session, state.pipeline.book)
    return Activated(**ActivationOut.of(done.row).model_dump(), fixture_cases=done.cases, fixture_checks=done.checks)


@router.get(
    "/{version}",
    summary="The YAML source of one version",
    # The source is text, its errors JSON like every other: declared per status, not by a route-wide class.
    responses={
        200: {"description": "The standards file as loaded", "content": {"text/plain": {"schema": {"type": "string"}}}},
        404: problem("No standard version of this name"),
    },
)
def get_standard_source(version: IdPath, session: SessionDep) -> PlainTextResponse:
    row = session.get(StandardVersion, version)
    if row is None:
        raise HTTPException(404, detail=f"no standard version {version!r}")
    return PlainTextResponse(row.source)
