"""decode -> validate: raw JSON bodies or records into canonical events or rejections with reasons."""

import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from service import metrics
from service.config import Settings
from service.events.model import Event, EventType
from service.events.schemas import ID_PATTERN, ID_RULE, PAYLOAD_MODELS, TEXT_PATTERN, EnvelopeIn

DECODE_SECONDS = metrics.STAGE_SECONDS.labels(stage="decode")
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
        return describe(self.errors)


def describe(errors: Iterable[FieldError]) -> str:
    """Field errors as one line (`field: message; ...`): every `detail` and dead-letter reason reads the same."""
    return "; ".join(f"{e.field}: {e.message}" for e in errors)


class BodyError(ValueError):
    """The body as a whole is unusable (not JSON, wrong shape, too many events)."""


class TooLarge(BodyError):
    """The body holds more events or records than one request may (answered 413)."""


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


# The text rules of the contract, for every entry point (HTTP, sources, Kafka, replay). Python's json reads
# things no store can keep; they are refused here, naming the field, so that one bad event costs only itself:
# - nesting deeper than MAX_DEPTH (2,000 levels overflow Python's stack while parsing: the whole body is refused);
# - numbers that do not fit 64 bits: a 5,000-digit integer (Python refuses to convert it), 1e400, NaN, Infinity;
# - NUL characters (PostgreSQL text cannot hold them) and lone surrogates (not Unicode: they cannot be encoded).
MAX_DEPTH = 32
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_UNSTORABLE_CHAR = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Unrepresentable:
    """A JSON number kept in place of its value, so the event it is in is refused with its field named."""

    why: str


def _int(text: str) -> int | Unrepresentable:
    digits = len(text.lstrip("-"))
    if digits > 19:  # decided on the length: Python refuses int() of more than 4,300 digits
        return Unrepresentable(f"integer of {digits} digits does not fit 64 bits")
    value = int(text)
    return value if _INT_MIN <= value <= _INT_MAX else Unrepresentable(f"integer {text} does not fit 64 bits")


def _float(text: str) -> float | Unrepresentable:
    value = float(text)
    return value if math.isfinite(value) else Unrepresentable(f"number {text[:40]} is out of range")


def _constant(text: str) -> Unrepresentable:
    return Unrepresentable(f"{text} is not a JSON number")


# For parsers that read values one after another (history files, see service.sources.base.json_stream).
JSON_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


def parse_json(raw: bytes | str) -> Any:
    """JSON by the contract's rules; raises BodyError naming what is wrong."""
    try:
        return json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError(f"body is not valid JSON: {exc}") from exc
    except RecursionError:
        raise BodyError(f"body is nested too deeply; the limit is {MAX_DEPTH} levels") from None


def unstorable(value: Any, field: str = "") -> FieldError | None:
    """The first thing in a decoded JSON value that the contract refuses (see MAX_DEPTH above), or None."""
    stack: list[tuple[str, Any, int]] = [(field, value, 0)]
    while stack:
        path, node, depth = stack.pop()
        if isinstance(node, str) and (bad := _UNSTORABLE_CHAR.search(node)):
            what = "a NUL character" if bad.group() == "\x00" else f"a lone surrogate ({bad.group()!a})"
            return FieldError(path or "body", f"contains {what}, which cannot be stored")
        if isinstance(node, Unrepresentable):
            return FieldError(path or "body", node.why)
        if isinstance(node, dict | list):
            if depth >= MAX_DEPTH:
                return FieldError(path or "body", f"is nested deeper than {MAX_DEPTH} levels")
            for key, child in node.items() if isinstance(node, dict) else enumerate(node):
                name = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _UNSTORABLE_CHAR.search(key):  # escaped: the name is answered back
                    return FieldError(ascii(name)[1:-1], "this name contains a character that cannot be stored")
                stack.append((name, child, depth + 1))
    return None


def split_batch(body: Any, limits: Limits) -> tuple[list[Any], bool]:
    """One event object or {"events": [...]}: returns the items and whether it was a batch."""
    if isinstance(body, dict) and "events" in body:
        items = body["events"]
        if not isinstance(items, list):
            raise BodyError("'events' must be a list of event objects")
        if not items:
            raise BodyError("'events' is empty")
        if len(items) > limits.max_batch_events:
            raise TooLarge(f"batch holds {len(items)} events; the limit is {limits.max_batch_events}")
        return items, True
    if isinstance(body, dict):
        return [body], False
    raise BodyError('body must be an event object or {"events": [...]}')


_PATTERN_MEANS = {ID_PATTERN: ID_RULE, TEXT_PATTERN: "must not contain a NUL character"}


def field_errors(
    errors: Iterable[Mapping[str, Any]], prefix: str = "", skip: Collection[str] = ()
) -> tuple[FieldError, ...]:
    """pydantic's (or FastAPI's) error list as FieldErrors; `skip` drops location parts such as 'query'."""
    out = []
    for err in errors:
        loc = ".".join(str(p) for p in err["loc"] if p not in skip)
        field = f"{prefix}{loc}" if loc else prefix.rstrip(".") or "body"
        pattern = str((err.get("ctx") or {}).get("pattern"))  # the rule in words, not a regular expression
        msg = _PATTERN_MEANS.get(pattern) or err["msg"].removeprefix("Value error, ")
        out.append(FieldError(field, msg))
    return tuple(out)


def _errors(exc: ValidationError, prefix: str = "") -> tuple[FieldError, ...]:
    return field_errors(exc.errors(include_url=False), prefix)


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
    if not isinstance(item, dict):
        return Rejection(index, None, (FieldError("body", "an event must be a JSON object"),))
    event_id = item.get("event_id")
    # Answered back as it was sent, so only when it can be encoded
    event_id = event_id if isinstance(event_id, str) and not _UNSTORABLE_CHAR.search(event_id) else None
    problem = unstorable(item)
    if problem is not None:
        known = _known_type(item.get("type"))
        return Rejection(index, event_id, (problem,), known.value if known else None)
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
