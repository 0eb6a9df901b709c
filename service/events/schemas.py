"""Validation schemas of the event contract (POST /v1/events, the Kafka events topic, replays).

The envelope is validated first, then the payload against the model for its `type`, so every error names
the field it is about (`occurred_at`, `payload.text`, ...). Unknown fields are ignored.
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from service.events.model import EventType
from service.rfc3339 import Rfc3339

# An id is read back in a URL path (GET /v1/interactions/<id>): so no `/`, and not `.` or `..`, which clients
# and proxies resolve as path segments (the pattern says it without look-ahead, which pydantic's engine lacks).
# No control characters (NUL among them: PostgreSQL text cannot hold it).
ID_MAX_LENGTH = 128
ID_PATTERN = r"^(?:[^\x00-\x1f/.]|\.[^\x00-\x1f/.]|\.\.[^\x00-\x1f/])[^\x00-\x1f/]*$"
ID_RULE = "must not contain '/' or control characters, nor be '.' or '..' (ids are read back in URLs)"
Identifier = Annotated[str, Field(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)]
# Free text given through the API (a key's name, a note): anything but NUL (lone surrogates fail any str pattern)
TEXT_PATTERN = r"^[^\x00]*$"
# Whole milliseconds and orders fit 32 bits; an utterance more than a week into its call is a sender's bug.
MAX_OFFSET_MS = 7 * 24 * 3600 * 1000
MAX_SEQ = 2**31 - 1
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)
Speaker = Literal["agent", "customer"]
_RFC3339_START = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _check_text_size(text: str, info: ValidationInfo) -> str:
    limit = (info.context or {}).get("max_text_chars")
    if limit is not None and len(text) > limit:
        raise ValueError(f"text is {len(text)} characters; the limit is {limit}")
    return text


def _in_range(value: datetime) -> datetime:
    # Checked in UTC: 0001-01-01T00:00+05:00 and 9999-12-31T23:00-05:00 do not exist there; the margins leave
    # room for the day-long windows and deadlines computed from a time.
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not _EARLIEST <= utc < _LATEST:
        raise ValueError(f"{value.isoformat()} is out of range (1970-01-01 to 9999-01-01 UTC)")
    return value


UtcTime = Annotated[Rfc3339, AfterValidator(_in_range)]
"""A time with a UTC offset that callqa can place and compute with (events, and `from`/`to` of queries)."""


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EnvelopeIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: Identifier
    type: EventType
    occurred_at: UtcTime = Field(description="RFC 3339 time with a UTC offset.")
    interaction_id: Identifier
    agent_id: Identifier | None = None
    team_id: Identifier | None = None
    queue_id: Identifier | None = None
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _rfc3339_text(cls, value: Any) -> Any:
        # pydantic would take a bare number as Unix time: that is a timestamp without an offset
        if not isinstance(value, str) or not _RFC3339_START.match(value):
            raise ValueError("must be an RFC 3339 date-time with a UTC offset, e.g. 2026-11-24T09:00:00+08:00")
        return value


class NoPayload(_Payload):
    pass


class UtterancePayload(_Payload):
    speaker: Speaker
    text: str = Field(min_length=1)
    offset_ms: int = Field(
        ge=0, le=MAX_OFFSET_MS, description="Milliseconds since the call was answered when the speech began."
    )
    seq: int | None = Field(None, ge=0, le=MAX_SEQ, description="Order of utterances that share an offset.")

    _size = field_validator("text")(_check_text_size)


class HoldPayload(_Payload):
    reason: str | None = Field(None, max_length=500)


class TransferPayload(_Payload):
    to_agent_id: Identifier | None = None
    to_queue_id: Identifier | None = None
    to_interaction_id: Identifier | None = Field(
        None, description="The interaction the call continues as, when the transfer starts a new one."
    )


class CallEndedPayload(_Payload):
    reason: str | None = Field(None, max_length=500)


class TicketCreatedPayload(_Payload):
    priority: int | None = Field(None, ge=1, le=5)
    complaint_level: Literal[1, 2, 3] | None = Field(None, description="1 is the most serious complaint.")
    channel: str | None = Field(None, max_length=64)
    subject: str | None = Field(None, max_length=1000)


class TicketRepliedPayload(_Payload):
    author: Speaker
    text: str = Field(min_length=1)

    _size = field_validator("text")(_check_text_size)


class TicketStatusPayload(_Payload):
    status: str = Field(min_length=1, max_length=64)


class SurveyAnsweredPayload(_Payload):
    csat: int | None = Field(
        None, strict=True, ge=1, le=5, description="Customer satisfaction, 1 (very unsatisfied) to 5."
    )
    nps: int | None = Field(None, strict=True, ge=0, le=10, description="Likelihood to recommend, 0 to 10.")

    @model_validator(mode="after")
    def _some_answer(self) -> "SurveyAnsweredPayload":
        if self.csat is None and self.nps is None:
            raise ValueError("a survey answer needs csat (1-5), nps (0-10) or both")
        return self


class ContactReasonPayload(_Payload):
    customer_id: Identifier = Field(description="The customer, as the CRM knows them (not a phone number).")
    reason: Identifier = Field(description="Why the customer got in touch, from the centre's reason codes.")


PAYLOAD_MODELS: dict[EventType, type[_Payload]] = {
    EventType.CALL_OFFERED: NoPayload,
    EventType.CALL_ANSWERED: NoPayload,
    EventType.CALL_UTTERANCE: UtterancePayload,
    EventType.CALL_HOLD: HoldPayload,
    EventType.CALL_RESUMED: NoPayload,
    EventType.CALL_TRANSFERRED: TransferPayload,
    EventType.CALL_ENDED: CallEndedPayload,
    EventType.TICKET_CREATED: TicketCreatedPayload,
    EventType.TICKET_REPLIED: TicketRepliedPayload,
    EventType.TICKET_STATUS_CHANGED: TicketStatusPayload,
    EventType.TICKET_RESOLVED: NoPayload,
    EventType.SURVEY_ANSWERED: SurveyAnsweredPayload,
    EventType.CONTACT_REASON: ContactReasonPayload,
}
