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
from typing import Any, Literal, TypedDict, overload
from urllib.parse import parse_qsl

from service.events import decode

MAX_ID = 128  # the contract's identifier limit
MAX_HOLDS = 100  # holds one record may report: more is no real call, and each hold becomes two events


class Ids(TypedDict, total=False):
    """The ids of the people and places an event is about, as far as the source knows them."""

    agent_id: str | None
    team_id: str | None
    queue_id: str | None


class MappingError(ValueError):
    """The record cannot be mapped; the message says why (answered 4xx, or dead-lettered)."""


class WireFormatError(MappingError):
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


def shown(value: Any, limit: int = 60) -> str:
    """A value for a message: its JSON type and a repr cut short (a record may hold megabytes in one field)."""
    kind = {bool: "boolean", int: "number", float: "number", str: "string", list: "list", dict: "object"}.get(
        type(value), type(value).__name__
    )
    if value is None:
        return "null"
    if isinstance(value, decode.Unrepresentable):  # a number the decoder could not hold: say why
        return f"a number callqa cannot hold ({value.why})"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"a {len(str(abs(value)))}-digit number"
    text = repr(value)
    return f"{kind} {text if len(text) <= limit else text[: limit - 3] + '...'}"


MAX_DIGITS = 18  # whole numbers beyond this are no count, duration or sequence number a vendor sends


def whole(value: Any, name: str, maximum: int) -> int:
    """A whole number from 0 to `maximum`, as a JSON number or a string of digits (form and CDR sources)."""
    if (
        isinstance(value, str)
        and value.strip().isascii()
        and value.strip().isdigit()
        and len(value.strip()) <= MAX_DIGITS
    ):
        number = int(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise MappingError(f"{name} must be a whole number, got {shown(value)}")
    if not 0 <= number <= maximum:
        raise MappingError(f"{name} must be a whole number from 0 to {maximum}, got {shown(number)}")
    return number


def checked_text(value: str, name: str) -> str:
    """Text the database and every consumer can store: no NUL, no lone surrogate (which no encoding writes)."""
    if "\x00" in value:
        raise MappingError(f"{name} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MappingError(f"{name} is not valid Unicode (it holds a lone surrogate)") from None
    return value


class Fields:
    """A vendor object and where it sits in the record: typed reads that refuse a wrongly typed value with a
    MappingError naming the field's path (`Agent.HierarchyGroups.Level2.GroupName must be a string, got ...`).

    Absent, null and "" all read as not there; `required=True` turns that into "missing field ..."."""

    __slots__ = ("value", "where")

    def __init__(self, value: Any, where: str = "", what: str = "object") -> None:
        if not isinstance(value, Mapping):
            raise MappingError(f"{where or 'the record'} must be {what}, got {shown(value)}")
        self.value: Mapping[str, Any] = value
        self.where = where

    def path(self, *keys: str) -> str:
        return ".".join(k for k in (self.where, *keys) if k)

    def raw(self, *keys: str, required: bool = False) -> Any:
        """The value at `keys`, any type; the objects on the way must be objects."""
        value: Any = self.value
        for i, key in enumerate(keys):
            if not isinstance(value, Mapping):
                raise MappingError(f"{self.path(*keys[:i])} must be an object, got {shown(value)}")
            value = value.get(key)
            if value is None or (isinstance(value, str) and value == ""):
                if required:
                    raise MappingError(f"missing field {self.path(*keys[: i + 1])}")
                return None
        return value

    def obj(self, *keys: str, required: bool = False) -> "Fields":
        """The object at `keys` (an empty one when absent)."""
        value = self.raw(*keys, required=required)
        return Fields({} if value is None else value, self.path(*keys), "an object")

    def objects(self, *keys: str, required: bool = False) -> list["Fields"]:
        """The list of objects at `keys` (empty when absent)."""
        value = self.raw(*keys, required=required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise MappingError(f"{self.path(*keys)} must be a list, got {shown(value)}")
        return [Fields(item, f"{self.path(*keys)}[{n}]", "an object") for n, item in enumerate(value)]

    @overload
    def text(self, *keys: str, required: Literal[True]) -> str: ...
    @overload
    def text(self, *keys: str, required: bool = False) -> str | None: ...
    def text(self, *keys: str, required: bool = False) -> str | None:
        value = self.raw(*keys, required=required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise MappingError(f"{self.path(*keys)} must be a string, got {shown(value)}")
        return checked_text(value, self.path(*keys))

    @overload
    def ident(self, *keys: str, required: Literal[True]) -> str: ...
    @overload
    def ident(self, *keys: str, required: bool = False) -> str | None: ...
    def ident(self, *keys: str, required: bool = False) -> str | None:
        """An identifier: a string, or a whole number (Zendesk's ids are numbers in some documents)."""
        value = self.raw(*keys, required=required)
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() <= 64:
            return str(value)
        if value is not None and not isinstance(value, str):
            raise MappingError(f"{self.path(*keys)} must be an identifier (a string), got {shown(value)}")
        return self.text(*keys)

    @overload
    def whole(self, *keys: str, maximum: int, required: Literal[True]) -> int: ...
    @overload
    def whole(self, *keys: str, maximum: int, required: bool = False) -> int | None: ...
    def whole(self, *keys: str, maximum: int, required: bool = False) -> int | None:
        value = self.raw(*keys, required=required)
        return None if value is None else whole(value, self.path(*keys), maximum)

    @overload
    def time(self, *keys: str, required: Literal[True]) -> datetime: ...
    @overload
    def time(self, *keys: str, required: bool = False) -> datetime | None: ...
    def time(self, *keys: str, required: bool = False) -> datetime | None:
        value = self.raw(*keys, required=required)
        return None if value is None else parse_time(value, self.path(*keys))

    def first(self, *names: str) -> str | None:
        """The first present key among alternative spellings (vendors' documents disagree on case)."""
        return next((n for n in names if self.raw(n) is not None), None)


def parse_time(value: Any, name: str) -> datetime:
    """RFC 3339 / ISO 8601 with an offset or `Z`; a time without an offset cannot be placed and is refused."""
    if not isinstance(value, str):
        raise MappingError(f"{name} must be a date-time string, got {shown(value)}")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise MappingError(f"{name} is not an ISO 8601 date-time: {shown(value)}") from None
    if parsed.tzinfo is None:
        raise MappingError(f"{name} has no UTC offset: {shown(value)}")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 and the like: before year 1 or after 9999 in UTC
        raise MappingError(f"{name} is out of range: {shown(value)}") from None


def parse_epoch(value: Any, name: str, per_second: int = 1) -> datetime:
    """Unix time in seconds (per_second=1), milliseconds (1000) or microseconds (1_000_000), number or string."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise MappingError(f"{name} is not a Unix time: {shown(value)}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise MappingError(f"{name} is not a Unix time: {shown(value)}") from None
    if not number > 0:  # also NaN
        raise MappingError(f"{name} is not a Unix time: {shown(value)}")
    try:
        return datetime.fromtimestamp(number / per_second, UTC)
    except (OverflowError, OSError, ValueError):
        raise MappingError(f"{name} is out of range: {shown(value)}") from None


def last_segment(arn: Any) -> str | None:
    """The id at the end of an ARN or path (`.../agent/<id>` -> `<id>`)."""
    if not isinstance(arn, str) or not arn:
        return None
    return arn.rstrip("/").rsplit("/", 1)[-1]


def body_digest(raw: bytes | str) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return hashlib.sha256(data).hexdigest()[:16]


# Wire formats: how a body (HTTP) or a history file (replay) becomes records.


def _why(exc: Exception) -> str:
    return "nested too deep" if isinstance(exc, RecursionError) else "a number has too many digits"


def json_body(raw: bytes) -> list[Any]:
    """One JSON record, or a JSON array of records."""
    try:
        doc = decode.parse_json(raw)
    except decode.BodyError as exc:
        raise WireFormatError(str(exc)) from exc
    records = doc if isinstance(doc, list) else [doc]
    if not records:
        raise WireFormatError("body is an empty list")
    return records


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A part of a history file that is not a record: refused on its own, so one bad line does not cost the rest."""

    reason: str  # names the line


def json_stream(text: str) -> Iterator[Any]:
    """JSON values one after another: JSON lines, pretty-printed documents, or records concatenated with no
    separator at all (Kinesis Data Firehose writes contact records to S3 that way). Arrays are flattened. A value
    that is not JSON becomes `Unreadable`, and reading goes on at the next line that starts a value (`{` or `[` in
    column 1), which is where the next record of JSON lines or of pretty-printed documents begins."""
    decoder = decode.JSON_DECODER
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            return
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            reason = f"not valid JSON: {exc.msg} (at line {exc.lineno} column {exc.colno})"
        except RecursionError:
            reason = f"a record is nested too deeply; the limit is {decode.MAX_DEPTH} levels"
        except ValueError as exc:  # a number of over 4,300 digits
            reason = f"not JSON callqa reads: {_why(exc)}"
        else:
            yield from value if isinstance(value, list) else (value,)
            continue
        line = text.count("\n", 0, pos) + 1  # where the value starts; the error may show only lines later
        yield Unreadable(f"line {line}: {reason}")
        starts = [i for i in (text.find("\n{", pos), text.find("\n[", pos)) if i >= 0]
        pos = min(starts, default=end)


def form_body(raw: bytes) -> list[Any]:
    """An application/x-www-form-urlencoded body; strict, because a body that is not one is not the sender's."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise WireFormatError("form body is not ASCII: a form-encoded body percent-encodes every other byte") from None
    text = text.strip()
    if "\n" in text or "\r" in text:
        raise WireFormatError(
            "form body has raw line breaks between or inside parameters (one parameter per line is not "
            "form encoding: parameters are joined by '&' and line breaks inside values are sent as %0A)"
        )
    if not text:
        raise WireFormatError("form body is empty")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise WireFormatError(f"body is not form-encoded: {exc}") from exc
    return [dict(pairs)]


def form_lines(text: str) -> Iterator[Any]:
    """A history file of form bodies, one per line."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield from form_body(line.encode())
            except WireFormatError as exc:
                yield Unreadable(f"line {number}: {exc}")
