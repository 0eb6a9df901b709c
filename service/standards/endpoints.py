"""GET /v1/standards: the standard in force and every version that has judged scores."""

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import PlainTextResponse

from service.api.deps import SessionDep, StateDep
from service.api.errors import problem
from service.api.params import IdPath
from service.standards.models import StandardVersion
from service.standards.service import versions

router = APIRouter(prefix="/v1/standards", tags=["standards"])


@router.get("", summary="The standard in force (parsed) and all recorded versions")
def get_standards(session: SessionDep, state: StateDep) -> dict[str, Any]:
    current = state.standard.standard
    return {
        "current": current.model_dump(mode="json"),
        "versions": [
            {
                "version": v.version,
                "name": v.name,
                "sha256": v.sha256,
                "first_loaded_at": v.first_loaded_at.isoformat(),
                "current": v.version == current.version,
            }
            for v in versions(session)
        ],
    }


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
