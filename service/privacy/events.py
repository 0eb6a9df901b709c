"""Redaction of a canonical event: the free-text fields of its payload, before it is stored or sent.

Ids (interaction, agent, queue) are left as they are: they are the keys events are stored, joined and
deduplicated by, and a sender that puts a phone number in an id must map it to another id itself.
"""

from dataclasses import replace

from service.events.model import Event
from service.privacy.redact import Redactor

# What a person wrote or said, in every event type that carries any (utterance, reply, subject, reasons)
FREE_TEXT_FIELDS = ("text", "subject", "reason")


def redact_event(event: Event, redactor: Redactor) -> tuple[Event, tuple[str, ...]]:
    """The event with its free text redacted, and the kinds replaced (empty: the same event is returned)."""
    payload = dict(event.payload)
    kinds: list[str] = []
    for name in FREE_TEXT_FIELDS:
        value = payload.get(name)
        if isinstance(value, str):
            redacted = redactor.redact(value)
            if redacted.kinds:
                payload[name] = redacted.text
                kinds.extend(redacted.kinds)
    return (replace(event, payload=payload), tuple(kinds)) if kinds else (event, ())
