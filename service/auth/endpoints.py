"""/v1/keys: API keys for admins (the CLI `callqa keys` does the same on the server)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, Field

from service.api.deps import SessionDep, StateDep
from service.api.errors import BODY, KEYED, problem
from service.auth import service
from service.auth.deps import AnyKey
from service.auth.models import ApiKey
from service.clock import utc_now
from service.events.schemas import ID_PATTERN, TEXT_PATTERN

router = APIRouter(prefix="/v1/keys", tags=["keys"])
# Any valid key may ask who it is: the console shows each key only the views its scopes allow.
me_router = APIRouter(prefix="/v1", tags=["keys"], responses=KEYED)


# A key's id (digits) or its prefix (8 hex digits, shown by GET /v1/keys)
KeyIdent = Annotated[str, Path(pattern=r"^[0-9a-f]{1,10}$", description="The key's id or its prefix")]


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=128, pattern=TEXT_PATTERN)
    scopes: list[str] = Field(min_length=1, description="ingest, supervise and/or admin; or agent alone")
    agent_id: str | None = Field(
        None, min_length=1, max_length=128, pattern=ID_PATTERN, description="Required with (and only with) 'agent'"
    )


class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    agent_id: str | None = None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> "KeyOut":
        return cls(
            id=row.id, name=row.name, prefix=row.prefix, scopes=row.scopes.split(","), agent_id=row.agent_id,
            created_at=row.created_at,
            revoked_at=row.revoked_at, last_used_at=row.last_used_at,
        )  # fmt: skip


class CreatedKey(KeyOut):
    key: str = Field(description="Shown once; only its hash is stored.")


@router.get("", response_model=list[KeyOut], summary="List API keys")
def list_keys(session: SessionDep) -> list[KeyOut]:
    return [KeyOut.of(k) for k in service.list_keys(session)]


@router.post("", response_model=CreatedKey, status_code=201, summary="Create an API key (shown once)", responses=BODY)
def create_key(body: KeyIn, session: SessionDep) -> CreatedKey:
    try:
        row, token = service.create_key(session, body.name, body.scopes, utc_now(), body.agent_id)
    except service.ApiKeyError as exc:
        raise HTTPException(422, str(exc)) from exc  # agent_id without the agent scope, or the other way round
    session.commit()
    return CreatedKey(**KeyOut.of(row).model_dump(), key=token)


@router.delete(
    "/{ident}",
    response_model=KeyOut,
    summary="Revoke an API key (by id or prefix)",
    responses={404: problem("No key with this id or prefix")},
)
def revoke_key(ident: KeyIdent, session: SessionDep, state: StateDep) -> KeyOut:
    try:
        row = service.revoke(session, ident, utc_now())
    except service.ApiKeyError as exc:
        raise HTTPException(404, str(exc)) from exc
    session.commit()
    state.keys.forget_all()  # revoked here: it stops working at once in this process (others: KeyCache)
    return KeyOut.of(row)


class MeOut(BaseModel):
    name: str
    scopes: list[str]
    agent_id: str | None = Field(description="On an `agent` key: the agent whose own interactions it reaches")


@me_router.get("/me", response_model=MeOut, summary="The key making the request: its name, scopes and agent")
def whoami(principal: AnyKey) -> MeOut:
    return MeOut(name=principal.name, scopes=sorted(principal.scopes), agent_id=principal.agent_id)
