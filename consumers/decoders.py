"""How a batch of records becomes pipeline items: callqa's own events (one per record), or a source's raw records
(`callqa consume --source <name>`: contact records, callbacks, webhook bodies, CDRs) through its adapter.

A decoder runs inside the batch's database transaction, because a source that re-delivers whole records keeps
the newest version of each in the database (see service.sources.service.prepare). Each item keeps the record it
came from, so a bad record goes to the dead-letter topic with its provenance and reason.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from consumers.codec import INVALID_EVENT, NOT_JSON, SOURCE_HEADER, Decoded, Record, decode_record, header
from service import metrics
from service.events.decode import FieldError, Limits, Rejection
from service.sources.base import WireFormatError
from service.sources.registry import SOURCES, Source
from service.sources.service import prepare


class RecordDecoder(Protocol):
    label: str  # the events' source, as stored with each event and counted in metrics

    def decode(self, session: Session, records: Sequence[Record], limits: Limits, now: datetime) -> list[Decoded]:
        """One Decoded per pipeline item, item i at index i."""
        ...


# The sources a record's header may name: bounded, since they become metric labels and stored provenance.
_KNOWN_SOURCES = frozenset({"http", *SOURCES})


_DECODE_SECONDS = metrics.STAGE_SECONDS.labels(stage="decode")


class CanonicalDecoder:
    """One canonical event (JSON) per record: the events topic. A record callqa's API produced names its source
    in a header (`http`, `twilio`, ...); any other record is labelled `kafka`."""

    label = "kafka"

    def decode(self, session: Session, records: Sequence[Record], limits: Limits, now: datetime) -> list[Decoded]:
        out = []
        with _DECODE_SECONDS.time():  # once a batch: timing each record would cost as much as reading a plain one
            for i, record in enumerate(records):
                decoded = decode_record(record, i, limits, now)
                source = header(record, SOURCE_HEADER) if record.headers else None
                out.append(replace(decoded, source=source) if source in _KNOWN_SOURCES else decoded)
        return out


class SourceDecoder:
    """A source's own records, one body per record (a body may hold several records, like an HTTP body). The
    topic is trusted as a whole: signatures belong to HTTP requests and are not on the records."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.label = source.name

    def decode(self, session: Session, records: Sequence[Record], limits: Limits, now: datetime) -> list[Decoded]:
        natives: list[object] = []
        owners: list[Record] = []
        unreadable: list[tuple[Record, str]] = []
        for record in records:
            try:
                if record.value is None:
                    raise WireFormatError("record has no value")
                bodies = self.source.body(record.value)
            except WireFormatError as exc:
                unreadable.append((record, str(exc)))
                continue
            natives.extend(bodies)
            owners.extend([record] * len(bodies))
        prepared = prepare(session, self.source, natives, limits, now)
        out = [
            Decoded(owners[origin], item, INVALID_EVENT if isinstance(item, Rejection) else None)
            for item, origin in zip(prepared.items, prepared.origins, strict=True)
        ]
        # Records that yield no item (stale copies, nothing to score) are done: their offsets commit with the batch.
        refused = [(owners[n.index], n.reason or "unmappable", INVALID_EVENT) for n in prepared.unmappable]
        refused += [(record, reason, NOT_JSON) for record, reason in unreadable]
        for record, reason, kind in refused:
            out.append(Decoded(record, Rejection(len(out), None, (FieldError("body", reason),)), kind))
        return out
