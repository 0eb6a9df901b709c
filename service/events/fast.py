"""decode -> validate of a well-formed event in a few microseconds: the common case of every Kafka record and
HTTP body.

The full path (service.events.decode) reads JSON with Python hooks, walks every value and validates with pydantic:
~100 us an event, more than kafka-python takes to consume it. Here a record is read by orjson and checked by
rules compiled once from the same pydantic models (service.events.schemas: lengths, patterns, bounds, literals and
the models' own validator functions), so those models stay the one statement of the contract.

This path only ever accepts: anything it is not sure of (a bad or unusual value, a time in an uncommon spelling,
a construct it does not compile, such as a model validator) gives None, and the caller takes the full path, which
names every bad field. So an event is accepted here only as the full path would accept it, equal to what it
would build (tests/events/test_fast_decode.py checks both on generated inputs), and every rejection reason is
the full path's.
"""

import inspect
import re
import types
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import orjson
from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, Strict
from pydantic.fields import FieldInfo

from service.events.decode import (
    DECODE_SECONDS,
    MAX_DEPTH,
    Limits,
    Rejection,
    parse_json,
    split_batch,
    validate_event,
)
from service.events.model import Event, EventType
from service.events.schemas import PAYLOAD_MODELS, EnvelopeIn

Check = Callable[[Any, Any], Any]  # (value, context) -> the value, or raises _Unsure
_MISSING = object()
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
# Only the plain spelling: other forms pydantic takes (a space, 't', a leap second, 7+ digits) go the full way.
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")


class _Unsure(Exception):
    """This path cannot vouch for the value: the full path decides."""


class _Info:
    """What a model's `(value, info)` validator reads: the validation context."""

    __slots__ = ("context",)

    def __init__(self, context: dict[str, Any]) -> None:
        self.context = context


def _check_str(metadata: list[Any]) -> Check | None:
    low, high, pattern = 0, None, None
    for m in metadata:
        if isinstance(m, MinLen):
            low = m.min_length
        elif isinstance(m, MaxLen):
            high = m.max_length
        elif isinstance(getattr(m, "pattern", None), str) and m.pattern.startswith("^") and m.pattern.endswith("$"):
            pattern = re.compile(m.pattern).fullmatch  # fullmatch: Python's `$` also matches before a final newline
        else:
            return None

    def check(value: Any, _: Any) -> Any:
        if type(value) is not str or len(value) < low or (high is not None and len(value) > high):
            raise _Unsure
        if pattern is not None and pattern(value) is None:
            raise _Unsure
        return value

    return check


def _check_int(metadata: list[Any]) -> Check | None:
    low, high = _INT_MIN, _INT_MAX
    for m in metadata:
        if isinstance(m, Ge):
            low = max(low, m.ge)  # type: ignore[call-overload]
        elif isinstance(m, Le):
            high = min(high, m.le)  # type: ignore[call-overload]
        elif not isinstance(m, Strict):  # strict only narrows what the full path takes; exact ints pass both
            return None

    def check(value: Any, _: Any) -> Any:
        if type(value) is not int or not low <= value <= high:  # bool, float, "5": the full path's lax rules
            raise _Unsure
        return value

    return check


def _check_time(value: Any, _: Any) -> Any:
    if type(value) is not str or not _TIME.fullmatch(value):
        raise _Unsure
    try:
        return datetime.fromisoformat(value)
    except ValueError:  # 2026-02-30, 24:00, +25:00
        raise _Unsure from None


def _check_literal(choices: tuple[Any, ...]) -> Check:
    allowed = {(type(c), c) for c in choices}

    def check(value: Any, _: Any) -> Any:
        if (type(value), value) not in allowed:
            raise _Unsure
        return value

    return check


def _check_enum(enum: type[EventType]) -> Check:
    members = enum._value2member_map_

    def check(value: Any, _: Any) -> Any:
        if type(value) is not str or (member := members.get(value)) is None:
            raise _Unsure
        return member

    return check


def _check_dict(value: Any, _: Any) -> Any:
    if type(value) is not dict:
        raise _Unsure
    return value


def _calls(func: Callable[..., Any]) -> Check:
    """A model's own validator that checks and returns its value unchanged (one that changes it is not taken)."""
    with_info = len(inspect.signature(func).parameters) == 2

    def check(value: Any, context: Any) -> Any:
        try:
            out = func(value, _Info(context)) if with_info else func(value)
        except Exception:  # whatever it is, the full path meets it again and answers it
            raise _Unsure from None
        if out is not value:
            raise _Unsure
        return value

    return check


def _chain(checks: list[Check]) -> Check:
    def check(value: Any, context: Any) -> Any:
        for c in checks:
            value = c(value, context)
        return value

    return check


def _compile_type(annotation: Any, metadata: list[Any]) -> Check | None:
    """A check for one field's type and constraints, or None when this path does not know them."""
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        more = [m for e in extra for m in (e.metadata if isinstance(e, FieldInfo) else [e])]
        return _compile_type(inner, metadata + more)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        inner_check = _compile_type(args[0], metadata) if len(args) == 1 else None
        if inner_check is None:
            return None
        return lambda value, context: None if value is None else inner_check(value, context)
    validators = [m for m in metadata if isinstance(m, BeforeValidator | AfterValidator)]
    plain = [m for m in metadata if m not in validators]
    check: Check | None
    if annotation is AwareDatetime and not plain:
        check = _check_time
    elif origin is Literal and not plain:
        check = _check_literal(get_args(annotation))
    elif annotation is str:
        check = _check_str(plain)
    elif annotation is int:
        check = _check_int(plain)
    elif annotation is EventType and not plain:
        check = _check_enum(annotation)
    elif origin is dict and get_args(annotation) == (str, Any) and not plain:
        check = _check_dict
    else:
        return None
    if check is None:
        return None
    before = [_calls(m.func) for m in validators if isinstance(m, BeforeValidator)]
    after = [_calls(m.func) for m in validators if isinstance(m, AfterValidator)]
    return _chain([*before, check, *after]) if validators else check


Field = tuple[str, Callable[[], Any] | None, Check]  # name, its default (None: required), check


def compile_model(model: type[BaseModel]) -> list[Field] | None:
    """The model's fields as checks in their order, or None when it has anything this path does not follow."""
    decorators = model.__pydantic_decorators__
    if dict(model.model_config) != {"extra": "ignore"} or decorators.model_validators or decorators.validators:
        return None
    field_validators: dict[str, tuple[list[Check], list[Check]]] = {}
    for d in decorators.field_validators.values():
        if d.info.mode not in ("before", "after"):
            return None
        for name in d.info.fields:
            before, after = field_validators.setdefault(name, ([], []))
            (before if d.info.mode == "before" else after).append(_calls(d.func))
    fields: list[Field] = []
    for name, info in model.model_fields.items():
        check = _compile_type(info.annotation, list(info.metadata))
        if check is None:
            return None
        if name in field_validators:
            before, after = field_validators[name]
            check = _chain([*before, check, *after])
        default = None if info.is_required() else lambda info=info: info.get_default(call_default_factory=True)
        fields.append((name, default, check))
    return fields


def _read(fields: list[Field], doc: dict[str, Any], context: Any) -> dict[str, Any]:
    """The fields given and not null, checked, in the model's order (what model_dump(exclude_none=True) gives)."""
    out = {}
    for name, default, check in fields:
        value = doc.get(name, _MISSING)
        if value is _MISSING:
            if default is None:
                raise _Unsure
            value = default()
        else:
            value = check(value, context)
        if value is not None:
            out[name] = value
    return out


_ENVELOPE = compile_model(EnvelopeIn)
_PAYLOADS = {t: compile_model(m) for t, m in PAYLOAD_MODELS.items()}


def _plain(node: Any, depth: int) -> bool:
    """No value the full path would refuse or read differently: integers in 64 bits (orjson reads 2**64 and up as
    floats, so large floats are not vouched for either), nesting well within MAX_DEPTH."""
    if depth >= MAX_DEPTH // 2:
        return False
    for value in node.values() if type(node) is dict else node:
        kind = type(value)
        if kind is int:
            if not _INT_MIN <= value <= _INT_MAX:
                return False
        elif kind is float:
            if not -(2.0**63) < value < 2.0**63:
                return False
        elif (kind is dict or kind is list) and not _plain(value, depth + 1):
            return False
    return True


def fast_json(raw: bytes) -> Any:
    """`raw` read by orjson, when the full path would read it as the same value; None: ask the full path."""
    if b"\\u0000" in raw:  # NUL is refused by the full path, naming the field
        return None
    try:
        return orjson.loads(raw)  # refuses invalid UTF-8, lone surrogates, NaN, 1e400: the full path words them
    except orjson.JSONDecodeError:
        return None


def fast_item(doc: Any, limits: Limits, now: datetime) -> Event | None:
    """The event `doc` (read by fast_json) when it is plainly valid; None: take the full path (validate_event)."""
    if _ENVELOPE is None or type(doc) is not dict or not _plain(doc, 0):
        return None
    context = {"max_text_chars": limits.max_text_chars}
    try:
        env = _read(_ENVELOPE, doc, context)
        fields = _PAYLOADS[env["type"]]
        if fields is None:
            return None
        payload = _read(fields, doc.get("payload", {}), context)
    except _Unsure:
        return None
    occurred_at = env["occurred_at"].astimezone(UTC)
    if occurred_at > now + limits.max_clock_skew:
        return None  # refused by the full path, which says why
    return Event(
        event_id=env["event_id"],
        type=env["type"],
        occurred_at=occurred_at,
        interaction_id=env["interaction_id"],
        agent_id=env.get("agent_id"),
        team_id=env.get("team_id"),
        queue_id=env.get("queue_id"),
        payload=payload,
    )


def fast_event(raw: bytes, limits: Limits, now: datetime) -> Event | None:
    """The event in `raw` when it is plainly valid; None: take the full path (decode.parse_json, validate_event)."""
    doc = fast_json(raw)
    return None if doc is None else fast_item(doc, limits, now)


def decode_body(raw: bytes, limits: Limits, now: datetime) -> tuple[list[Event | Rejection], bool]:
    """An HTTP body (one event, or {"events": [...]}) decoded and validated: its items and whether it was a
    batch. Plainly valid items take the fast path; when any does not, the body is read again the full way and
    those items are validated from that reading, so every answer about a bad body or event is the full path's.
    Raises BodyError (TooLarge) for a body refused as a whole."""
    with DECODE_SECONDS.time():
        doc = fast_json(raw)
        if doc is None:
            items, is_batch = split_batch(parse_json(raw), limits)
            fast: list[Event | None] = [None] * len(items)
        else:
            items, is_batch = split_batch(doc, limits)
            fast = [fast_item(item, limits, now) for item in items]
            if None in fast:
                items, _ = split_batch(parse_json(raw), limits)
    return [e if e is not None else validate_event(items[i], i, limits, now) for i, e in enumerate(fast)], is_batch
