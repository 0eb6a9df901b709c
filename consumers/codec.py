"""What travels on the topics: records in (decoded to events or rejections), events and alerts out."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from service.alerts.models import Alert
from service.alerts.schemas import alert_doc
from service.events.decode import BodyError, FieldError, Limits, Rejection, parse_json, validate_event
from service.events.fast import fast_event
from service.events.model import Event
from service.metrics import DEAD_LETTER_REASONS

NOT_JSON, INVALID_EVENT, INCONSISTENT = DEAD_LETTER_REASONS
# Which ingest path or source an event came by (`http`, `twilio`, ...), set by callqa's own producer (Kafka mode
# of the HTTP API) so the consumer stores and counts the event as the in-process mode would.
SOURCE_HEADER = "callqa-source"


class Record(Protocol):
    """The fields of kafka-python's ConsumerRecord this package reads (so codecs need no broker in tests)."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Decoded:
    """One record after decode -> validate. `reason` is the dead-letter category when `item` is a Rejection;
    `source` the record's own source header, if it names one callqa knows (else the decoder's label applies)."""

    record: Record
    item: Event | Rejection
    reason: str | None = None
    source: str | None = None


def decode_record(record: Record, index: int, limits: Limits, now: datetime) -> Decoded:
    """One record holds one event object (JSON, UTF-8); `index` is its place in the batch. A plainly valid one
    takes the fast path; any other the full one, which names what is wrong."""
    if record.value is None:  # a tombstone: nothing to score
        return Decoded(record, Rejection(index, None, (FieldError("body", "record has no value"),)), NOT_JSON)
    if (event := fast_event(record.value, limits, now)) is not None:
        return Decoded(record, event)
    try:
        body = parse_json(record.value)
    except BodyError as exc:
        return Decoded(record, Rejection(index, None, (FieldError("body", str(exc)),)), NOT_JSON)
    item = validate_event(body, index, limits, now)
    return Decoded(record, item, INVALID_EVENT if isinstance(item, Rejection) else None)


def header(record: Record, name: str) -> str | None:
    """The last value of a record header, as text (None when absent or not UTF-8)."""
    for key, value in reversed(record.headers or []):
        if key == name:
            try:
                return value.decode()
            except (UnicodeDecodeError, AttributeError):
                return None
    return None


def _json(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def encode_event(event: Event) -> bytes:
    return _json(event.as_dict())


def encode_alert(alert: Alert) -> bytes:
    """The API's alert shape plus `dedup_key`: alerts are published at least once, so readers dedup on it."""
    doc = alert_doc(alert)
    doc["dedup_key"] = alert.dedup_key
    return _json(doc)


def key_of(interaction_id: str | None) -> bytes | None:
    """Keyed by interaction, so one call's records stay ordered in one partition."""
    return interaction_id.encode() if interaction_id else None
