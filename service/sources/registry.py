"""The sources callqa speaks, by the name used in `POST /v1/sources/<name>` and `callqa replay --format <name>`."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.sources import (
    asterisk,
    connect_ctr,
    connect_events,
    contact_lens_postcall,
    contact_lens_realtime,
    freeswitch,
    freshdesk,
    twilio,
    zendesk,
)
from service.sources.base import (
    Mapped,
    MappingError,
    Secrets,
    SignedRequest,
    form_body,
    form_lines,
    json_body,
    json_stream,
)


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    title: str
    map: Callable[[Any, datetime], Mapped]
    body: Callable[[bytes], list[Any]] = json_body  # an HTTP body -> records
    history: Callable[[str], Iterator[Any]] = json_stream  # a history file -> records
    verify: Callable[[SignedRequest, Secrets], None] | None = None
    # The headers a signed request carries: a request without them is refused before its body is read
    signed_by: tuple[str, ...] = ()


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source("connect-ctr", "Amazon Connect contact trace records", connect_ctr.map_record),
        Source("connect-contact-events", "Amazon Connect contact events (EventBridge)", connect_events.map_record),
        Source("connect-contact-lens", "Contact Lens real-time segments (Kinesis)", contact_lens_realtime.map_record),
        Source(
            "connect-contact-lens-postcall",
            "Contact Lens post-contact analysis files (chat, voice)",
            contact_lens_postcall.map_record,
        ),
        Source(
            "twilio",
            "Twilio call status callbacks",
            twilio.map_record,
            body=form_body,
            history=form_lines,
            verify=lambda request, secrets: twilio.verify(request, secrets.twilio_auth_token),
            signed_by=("X-Twilio-Signature",),
        ),
        Source("asterisk", "Asterisk CEL records and AMI queue events (JSON)", asterisk.map_record),
        Source("freeswitch", "FreeSWITCH mod_json_cdr records", freeswitch.map_record),
        Source(
            "zendesk",
            "Zendesk ticket event webhooks",
            zendesk.map_record,
            verify=lambda request, secrets: zendesk.verify(request, secrets.zendesk_signing_secret, secrets.max_age),
            signed_by=("X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp"),
        ),
        Source("freshdesk", "Freshdesk webhooks", freshdesk.map_record),
    )
}


def _canonical(record: Any, received_at: datetime) -> Mapped:
    """callqa's own events: one event object, or {"events": [...]}, as POST /v1/events takes them."""
    if isinstance(record, dict) and isinstance(record.get("events"), list):
        return Mapped(tuple(record["events"]))
    if not isinstance(record, dict):
        raise MappingError("a canonical event must be a JSON object")
    return Mapped((record,))


# What `callqa replay --format` reads: the sources, and callqa's own events (JSON lines).
FORMATS: dict[str, Source] = {"canonical": Source("canonical", "callqa canonical events", _canonical), **SOURCES}


class UnknownSource(LookupError):
    pass


def get_source(name: str, known: dict[str, Source] = SOURCES) -> Source:
    try:
        return known[name]
    except KeyError:
        raise UnknownSource(f"unknown source {name!r}; callqa speaks {', '.join(known)}") from None
