"""/v1/standards: the version in force, every recorded version and every activation (service.activations
makes them)."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from service.api.deps import SessionDep, StateDep
from service.api.errors import problem
from service.api.params import IdPath
from service.standards import repository as repo
from service.standards.models import StandardActivation, StandardVersion

router = APIRouter(prefix="/v1/standards", tags=["standards"])


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
