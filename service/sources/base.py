"""What every adapter shares: the mapping result, its errors, and helpers to read vendor values.

An adapter turns one native record into canonical event dicts, the wire format of POST /v1/events, so the
events then go through the same validation as any other. Event ids are derived from the source's own ids:
a re-delivered record maps to the same ids and is stored once.
"""

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict
from urllib.parse import parse_qsl

MAX_ID = 128  # the contract's identifier limit


class Ids(TypedDict, total=False):
    """The ids of the people and places an event is about, as far as the source knows them."""

    agent_id: str | None
    team_id: str | None
    queue_id: str | None


class MappingError(ValueError):
    """The record cannot be mapped; the message says why (answered 4xx, or dead-lettered)."""


class BodyError(MappingError):
    """The body is not in the source's wire format at all (not JSON, not a form)."""


class SignatureError(ValueError):
    """The request's signature is missing or wrong, or cannot be checked (answered 401)."""


@dataclass(frozen=True, slots=True)
class RecordVersion:
    """For sources that re-deliver whole records (at least once): only the newest version of `key` counts."""

    key: str
    version: int  # larger is newer, e.g. LastUpdateTimestamp in epoch milliseconds
    label: str  # the version as the source wrote it, for messages


@dataclass(frozen=True, slots=True)
class Mapped:
    events: tuple[dict[str, Any], ...] = ()
    ignored: str | None = None  # why a record the source may send yields no event (not an error)
    version: RecordVersion | None = None


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What a signature covers: the URL as the sender called it, the headers, the raw body; and when it came."""

    url: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Secrets:
    """What verifies the signed senders: their secrets, and how old a signed timestamp may be."""

    twilio_auth_token: str | None = None
    zendesk_signing_secret: str | None = None
    max_age: timedelta = timedelta(minutes=5)


def ignored(reason: str) -> Mapped:
    return Mapped(ignored=reason)


def make_id(*parts: object) -> str:
    """A deterministic identifier from the source's own ids; hashed when the contract's 128 characters are exceeded."""
    joined = ":".join(str(p) for p in parts)
    if len(joined) <= MAX_ID:
        return joined
    digest = hashlib.sha256(joined.encode()).hexdigest()[:32]
    return f"{str(parts[0])[:40]}:sha256:{digest}"


def event(
    event_id: str,
    type_: str,
    at: datetime,
    interaction_id: str,
    payload: Mapping[str, Any] | None = None,
    *,
    agent_id: str | None = None,
    team_id: str | None = None,
    queue_id: str | None = None,
) -> dict[str, Any]:
    """One canonical event in its wire form; ids the source does not know are left out."""
    out: dict[str, Any] = {
        "event_id": make_id(event_id),
        "type": type_,
        "occurred_at": at.isoformat(),
        "interaction_id": make_id(interaction_id),
        "payload": {k: v for k, v in (payload or {}).items() if v is not None},
    }
    for name, value in (("agent_id", agent_id), ("team_id", team_id), ("queue_id", queue_id)):
        if value:
            out[name] = make_id(value)
    return out


def require(record: Mapping[str, Any], *path: str) -> Any:
    """record[path[0]][path[1]]...; a MappingError naming the missing field otherwise."""
    value: Any = record
    for i, key in enumerate(path):
        if not isinstance(value, Mapping) or value.get(key) in (None, ""):
            raise MappingError(f"missing field {'.'.join(path[: i + 1])}")
        value = value[key]
    return value


def optional(record: Mapping[str, Any], *path: str) -> Any:
    try:
        return require(record, *path)
    except MappingError:
        return None


def first_of(record: Mapping[str, Any], *names: str) -> Any:
    """The first present value among alternative spellings (vendors' documents disagree on case)."""
    return next((record[n] for n in names if record.get(n) not in (None, "")), None)


def parse_time(value: Any, name: str) -> datetime:
    """RFC 3339 / ISO 8601 with an offset or `Z`; a time without an offset cannot be placed and is refused."""
    if not isinstance(value, str):
        raise MappingError(f"{name} must be a date-time string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise MappingError(f"{name} is not an ISO 8601 date-time: {value!r}") from None
    if parsed.tzinfo is None:
        raise MappingError(f"{name} has no UTC offset: {value!r}")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset that moves it out of datetime's range
        raise MappingError(f"{name} is out of range: {value!r}") from None


def parse_epoch(value: Any, name: str, per_second: int = 1) -> datetime:
    """Unix time in seconds (per_second=1), milliseconds (1000) or microseconds (1_000_000), number or string."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MappingError(f"{name} is not a Unix time: {value!r}") from None
    if number <= 0:
        raise MappingError(f"{name} is not a Unix time: {value!r}")
    try:
        return datetime.fromtimestamp(number / per_second, UTC)
    except (OverflowError, OSError, ValueError):
        raise MappingError(f"{name} is out of range: {value!r}") from None


def last_segment(arn: Any) -> str | None:
    """The id at the end of an ARN or path (`.../agent/<id>` -> `<id>`)."""
    if not isinstance(arn, str) or not arn:
        return None
    return arn.rstrip("/").rsplit("/", 1)[-1]


def body_digest(raw: bytes | str) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return hashlib.sha256(data).hexdigest()[:16]


# Wire formats: how a body (HTTP) or a history file (replay) becomes records.


def json_body(raw: bytes) -> list[Any]:
    """One JSON record, or a JSON array of records."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError(f"body is not valid JSON: {exc}") from exc
    records = doc if isinstance(doc, list) else [doc]
    if not records:
        raise BodyError("body is an empty list")
    return records


def json_stream(text: str) -> Iterator[Any]:
    """JSON values one after another: JSON lines, pretty-printed documents, or records concatenated with no
    separator at all (Kinesis Data Firehose writes contact records to S3 that way). Arrays are flattened."""
    decoder = json.JSONDecoder()
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            return
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise BodyError(f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
        if isinstance(value, list):
            yield from value
        else:
            yield value


def form_body(raw: bytes) -> list[Any]:
    """An application/x-www-form-urlencoded body; strict, because a body that is not one is not the sender's."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise BodyError("form body is not ASCII: a form-encoded body percent-encodes every other byte") from None
    text = text.strip()
    if "\n" in text or "\r" in text:
        raise BodyError(
            "form body has raw line breaks between or inside parameters (one parameter per line is not "
            "form encoding: parameters are joined by '&' and line breaks inside values are sent as %0A)"
        )
    if not text:
        raise BodyError("form body is empty")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise BodyError(f"body is not form-encoded: {exc}") from exc
    return [dict(pairs)]


def form_lines(text: str) -> Iterator[Any]:
    """A history file of form bodies, one per line."""
    for line in text.splitlines():
        if line.strip():
            yield from form_body(line.encode())
