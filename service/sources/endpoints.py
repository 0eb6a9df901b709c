"""POST /v1/sources/{name}: a source's own payload -> map -> validate -> record (score, store, alert) -> commit.

Senders that sign their requests (Twilio, Zendesk) are authenticated by the signature, since they cannot send
an API key; the others need an ingest key like POST /v1/events.
"""

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.api.deps import SessionDep, StateDep
from service.auth.deps import require_ingest
from service.config import Settings
from service.events.decode import Rejection, TooLarge, limits_of
from service.events.model import Event
from service.ingest.endpoints import ingest_request, refused
from service.interactions.service import Recorded
from service.sources.base import Secrets, SignatureError, SignedRequest, WireFormatError
from service.sources.registry import SOURCES, Source, UnknownSource, get_source
from service.sources.service import Prepared, prepare

router = APIRouter(prefix="/v1/sources", tags=["sources"])


def secrets_of(settings: Settings) -> Secrets:
    def reveal(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    max_age = timedelta(seconds=settings.signature_max_age_seconds)
    return Secrets(reveal(settings.twilio_auth_token), reveal(settings.zendesk_signing_secret), max_age)


def signed_url(request: Request, settings: Settings) -> str:
    """The URL as the sender called it: behind a proxy, rebuilt from CALLQA_SIGNATURE_BASE_URL."""
    if not settings.signature_base_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{settings.signature_base_url.rstrip('/')}{request.url.path}{query}"


def _status(prepared: Prepared, recorded: Recorded) -> int:
    rejected = recorded.count("rejected")
    stored = recorded.count("accepted") + recorded.count("duplicate")
    if prepared.unmappable or rejected:
        return 207 if stored or len(prepared.unmappable) < len(prepared.notes) else 422
    return 202 if recorded.count("accepted") else 200


def _answer(source: Source, prepared: Prepared, recorded: Recorded) -> JSONResponse:
    body: dict[str, Any] = {
        "source": source.name,
        **{s: recorded.count(s) for s in ("accepted", "duplicate", "rejected")},
        "records": [n.as_dict() for n in prepared.notes],
        "results": [o.as_dict() for o in recorded.outcomes],
        "alerts": recorded.alerts_brief(),
    }
    problems = [f"record {n.index}: {n.reason}" for n in prepared.unmappable]
    problems += [f"{o.event_id}: {o.reason}" for o in recorded.outcomes if o.errors]
    if problems:
        body["detail"] = "; ".join(problems)
    return JSONResponse(body, status_code=_status(prepared, recorded))


@router.post(
    "/{name}",
    status_code=202,
    summary="Ingest a telephony or ticketing system's own payload (CTR, callback, webhook, CDR, ...)",
    responses={
        200: {"description": "Nothing new: duplicates, an older copy of a record, or a payload with nothing to score"},
        207: {"description": "Some records or events could not be taken; each has its reason"},
        400: {"description": "Body is not in the source's wire format (not JSON, not a form)"},
        401: {"description": "Signature missing or wrong (Twilio, Zendesk), or no API key (other sources)"},
        404: {"description": "Unknown source"},
        408: {"description": "Body not received in time (CALLQA_BODY_TIMEOUT_SECONDS)"},
        413: {"description": "Body too large, or more records than CALLQA_MAX_SOURCE_RECORDS"},
        422: {"description": "The payload cannot be mapped, or no event in it is valid; the reason says why"},
    },
)
async def post_source(name: str, request: Request, session: SessionDep, state: StateDep) -> JSONResponse:
    settings = state.settings
    try:
        source = get_source(name)
    except UnknownSource as exc:
        return JSONResponse({"detail": str(exc), "sources": list(SOURCES)}, status_code=404)
    # Who is sending comes before the body: a stranger's body is never read (service.api.body caps and times it)
    if source.verify is None:
        await require_ingest(request, state)
    elif missing := [h for h in source.signed_by if h not in request.headers]:
        return JSONResponse({"detail": f"missing {' and '.join(missing)} header"}, status_code=401)
    raw = await request.body()
    if source.verify is not None:
        signed = SignedRequest(signed_url(request, settings), dict(request.headers), raw, state.clock())
        try:
            source.verify(signed, secrets_of(settings))
        except SignatureError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=401)
    try:
        records = source.body(raw)
        if len(records) > settings.max_source_records:
            raise TooLarge(f"body holds {len(records)} records; the limit is {settings.max_source_records}")
    except (WireFormatError, TooLarge) as exc:
        return refused(exc)
    defaults = dict(request.query_params)

    def prepared_at(now: datetime) -> tuple[Prepared, list[Event | Rejection]]:
        prepared = prepare(session, source, records, limits_of(settings), now, defaults)
        return prepared, prepared.items

    prepared, recorded = await ingest_request(state, session, source.name, prepared_at)
    if len(prepared.unmappable) == len(prepared.notes):
        return JSONResponse({"detail": f"cannot map the {source.title} payload: {prepared.unmappable[0].reason}"}, 422)
    return _answer(source, prepared, recorded)
