"""A source's records -> canonical events, ready for the pipeline: map, keep only the newest version of
re-delivered records, validate. Shared by POST /v1/sources/<name>, `callqa replay` and `callqa consume --source`.

Flushes, never commits: the edge that opened the session commits it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.events.decode import Limits, Rejection, describe, unstorable, validate_items
from service.events.model import Event
from service.sources.base import MappingError
from service.sources.registry import Source
from service.sources.repository import claim_version

_DEFAULTED = ("agent_id", "team_id", "queue_id")


@dataclass(frozen=True, slots=True)
class RecordNote:
    """What became of one native record: mapped (to `events` events), ignored, stale or unmappable."""

    index: int
    status: str
    reason: str | None = None
    events: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": self.status, "events": self.events}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(slots=True)
class Prepared:
    notes: list[RecordNote] = field(default_factory=list)
    items: list[Event | Rejection] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)  # the record each item came from (its index in `records`)

    def count(self, status: str) -> int:
        return sum(n.status == status for n in self.notes)

    @property
    def unmappable(self) -> list[RecordNote]:
        return [n for n in self.notes if n.status == "unmappable"]


def _with_defaults(event: dict[str, Any], defaults: Mapping[str, str]) -> dict[str, Any]:
    """Ids the source does not carry may come from the sender's URL (`?agent_id=...`)."""
    return {**{k: v for k, v in defaults.items() if k in _DEFAULTED and v}, **event}


def prepare(
    session: Session,
    source: Source,
    records: Sequence[Any],
    limits: Limits,
    now: datetime,
    defaults: Mapping[str, str] | None = None,
) -> Prepared:
    out = Prepared()
    events: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        # Before mapping: a record's ids become version keys and event ids, written before events are validated
        problem = unstorable(record)
        if problem is not None:
            out.notes.append(RecordNote(index, "unmappable", describe((problem,))))
            continue
        try:
            mapped = source.map(record, now)
        except MappingError as exc:
            out.notes.append(RecordNote(index, "unmappable", str(exc)))
            continue
        if mapped.version is not None:
            newer = claim_version(session, source.name, mapped.version, now)
            if newer is not None:
                reason = f"version {mapped.version.label} of {mapped.version.key} is not newer than {newer}, kept"
                out.notes.append(RecordNote(index, "stale", reason))
                continue
        if mapped.ignored:
            out.notes.append(RecordNote(index, "ignored", mapped.ignored))
            continue
        events.extend(_with_defaults(e, defaults or {}) for e in mapped.events)
        out.origins.extend([index] * len(mapped.events))
        out.notes.append(RecordNote(index, "mapped", events=len(mapped.events)))
    out.items = validate_items(events, limits, now)
    return out
