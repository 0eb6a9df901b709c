"""decode -> validate: raw JSON bodies or records into canonical events or rejections with reasons."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from service import metrics
from service.config import Settings
from service.events.model import Event, EventType
from service.events.schemas import PAYLOAD_MODELS, EnvelopeIn

_DECODE_SECONDS = metrics.STAGE_SECONDS.labels(stage="decode")
_VALIDATE_SECONDS = metrics.STAGE_SECONDS.labels(stage="validate")


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int
    event_id: str | None
    errors: tuple[FieldError, ...]
    # The event type when the item named a known one: a metrics label only, so not part of equality.
    event_type: str | None = field(default=None, compare=False)

    @property
    def reason(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.errors)


class BodyError(ValueError):
    """The body as a whole is unusable (not JSON, wrong shape, too many events)."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_chars: int
    max_clock_skew: timedelta
    max_batch_events: int


def limits_of(settings: Settings) -> Limits:
    """The ingest limits every entry point applies (HTTP, sources, Kafka, replay)."""
    return Limits(
        max_text_chars=settings.max_text_chars,
        max_clock_skew=timedelta(seconds=settings.max_clock_skew_seconds),
        max_batch_events=settings.max_batch_events,
    )


def parse_body(raw: bytes | str) -> Any:
    try:
        with _DECODE_SECONDS.time():
            return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError(f"body is not valid JSON: {exc}") from exc


def split_batch(body: Any, limits: Limits) -> tuple[list[Any], bool]:
    """One event object or {"events": [...]}: returns the items and whether it was a batch."""
    if isinstance(body, dict) and "events" in body:
        items = body["events"]
        if not isinstance(items, list):
            raise BodyError("'events' must be a list of event objects")
        if not items:
            raise BodyError("'events' is empty")
        if len(items) > limits.max_batch_events:
            raise BodyError(f"batch holds {len(items)} events; the limit is {limits.max_batch_events}")
        return items, True
    if isinstance(body, dict):
        return [body], False
    raise BodyError('body must be an event object or {"events": [...]}')


def _errors(exc: ValidationError, prefix: str = "") -> tuple[FieldError, ...]:
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        field = f"{prefix}{loc}" if loc else prefix.rstrip(".") or "body"
        msg = err["msg"].removeprefix("Value error, ")
        out.append(FieldError(field, msg))
    return tuple(out)


def _known_type(value: Any) -> EventType | None:
    try:
        return EventType(value)
    except ValueError:
        return None


def validate_event(item: Any, index: int, limits: Limits, now: datetime) -> Event | Rejection:
    """Validate one decoded item. `now` is passed in so the check is deterministic."""
    with _VALIDATE_SECONDS.time():
        return _validate_event(item, index, limits, now)


def _validate_event(item: Any, index: int, limits: Limits, now: datetime) -> Event | Rejection:
    event_id = item.get("event_id") if isinstance(item, dict) else None
    event_id = event_id if isinstance(event_id, str) else None
    if not isinstance(item, dict):
        return Rejection(index, None, (FieldError("body", "an event must be a JSON object"),))
    errors: list[FieldError] = []
    env = None
    try:
        env = EnvelopeIn.model_validate(item)
    except ValidationError as exc:
        errors.extend(_errors(exc))
    # Validate the payload too when the type is known, so one answer names every bad field.
    event_type = env.type if env else _known_type(item.get("type"))
    payload = None
    if event_type is not None:
        raw_payload = item.get("payload", {})
        if not isinstance(raw_payload, dict):
            raw_payload = {}  # the envelope error already says payload must be an object
        try:
            payload = PAYLOAD_MODELS[event_type].model_validate(
                raw_payload, context={"max_text_chars": limits.max_text_chars}
            )
        except ValidationError as exc:
            errors.extend(_errors(exc, "payload."))
    if errors or env is None or payload is None:
        return Rejection(index, event_id, tuple(errors), event_type.value if event_type else None)
    occurred_at = env.occurred_at.astimezone(UTC)
    if occurred_at > now + limits.max_clock_skew:
        return Rejection(
            index,
            env.event_id,
            (FieldError("occurred_at", f"{env.occurred_at.isoformat()} is in the future (now {now.isoformat()})"),),
            env.type.value,
        )
    return Event(
        event_id=env.event_id,
        type=env.type,
        occurred_at=occurred_at,
        interaction_id=env.interaction_id,
        agent_id=env.agent_id,
        team_id=env.team_id,
        queue_id=env.queue_id,
        payload=payload.model_dump(exclude_none=True),
    )


def validate_items(items: Sequence[Any], limits: Limits, now: datetime) -> list[Event | Rejection]:
    return [validate_event(item, i, limits, now) for i, item in enumerate(items)]
