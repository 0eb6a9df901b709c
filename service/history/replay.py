"""`callqa replay`: history files (callqa's own events or a source's records) through the same pipeline as live
ingest: map -> validate -> store -> score -> alert, one transaction per batch of records, at full speed or paced
by the records' own times."""

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from service.clock import utc_now
from service.config import Settings
from service.db import session_scope
from service.events.decode import limits_of
from service.history.runtime import Runtime
from service.sources.base import MappingError, Unreadable
from service.sources.registry import Source
from service.sources.service import prepare

_SHOWN_PROBLEMS = 10


@dataclass(slots=True)
class ReplayStats:
    records: Counter[str] = field(default_factory=Counter)  # mapped | ignored | stale | unmappable | unreadable
    events: Counter[str] = field(default_factory=Counter)  # accepted | duplicate | rejected
    alerts: int = 0
    interactions: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def note(self, problem: str) -> None:
        if len(self.problems) < _SHOWN_PROBLEMS:
            self.problems.append(problem)

    @property
    def refused(self) -> int:
        return self.records["unmappable"] + self.records["unreadable"] + self.events["rejected"]

    def lines(self) -> list[str]:
        records = ", ".join(f"{n} {s}" for s, n in sorted(self.records.items())) or "none"
        events = ", ".join(f"{self.events[s]} {s}" for s in ("accepted", "duplicate", "rejected"))
        out = [
            f"records: {records}",
            f"events: {events}",
            f"interactions touched: {len(self.interactions)}, alerts raised: {self.alerts}",
        ]
        out += [f"  refused: {p}" for p in self.problems]
        if self.refused > len(self.problems):
            out.append(f"  ... and {self.refused - len(self.problems)} more")
        return out


@dataclass(slots=True)
class History:
    records: list[Any] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # "<path>: <reason naming the line>", refused one by one


def read_records(paths: Sequence[Path], fmt: Source) -> History:
    history = History()
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuntimeError(f"cannot read {path}: {exc}") from exc
        for item in fmt.history(text):
            if isinstance(item, Unreadable):
                history.unreadable.append(f"{path}: {item.reason}")
            else:
                history.records.append(item)
    return history


def _record_time(fmt: Source, record: Any, now: datetime) -> datetime | None:
    """When the record happened (its earliest event), for pacing; None when it cannot tell."""
    try:
        times = [datetime.fromisoformat(e["occurred_at"]) for e in fmt.map(record, now).events]
    except (MappingError, KeyError, TypeError, ValueError):
        return None
    return min(times, default=None)


class Pacer:
    """Sleeps so that records come `pace` times faster than they happened (1 = as they happened)."""

    def __init__(self, pace: float, sleep: Callable[[float], None] = time.sleep) -> None:
        self.pace, self.sleep = pace, sleep
        self.origin: tuple[datetime, float] | None = None

    def wait_for(self, at: datetime | None) -> None:
        if at is None:
            return
        if self.origin is None:
            self.origin = (at, time.monotonic())
            return
        first, started = self.origin
        due = started + (at - first).total_seconds() / self.pace
        delay = due - time.monotonic()
        if delay > 0:  # a record earlier than the one before it goes at once
            self.sleep(delay)


def _chunks(records: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(records), size):
        yield records[start : start + size]


def replay(
    runtime: Runtime,
    settings: Settings,
    fmt: Source,
    records: Sequence[Any],
    *,
    pace: float | None = None,
    batch: int = 200,
    progress: bool = True,
    unreadable: Sequence[str] = (),
) -> ReplayStats:
    stats = ReplayStats()
    for problem in unreadable:
        stats.records["unreadable"] += 1
        stats.note(problem)
    limits = limits_of(settings)
    label = "replay" if fmt.name == "canonical" else fmt.name  # the events' origin, stored with each event
    pacer = Pacer(pace) if pace else None
    with tqdm(total=len(records), unit="record", disable=not progress, desc=f"replay {fmt.name}") as bar:
        for chunk in _chunks(records, 1 if pacer else batch):
            if pacer:
                pacer.wait_for(_record_time(fmt, chunk[0], utc_now()))
            now = utc_now()
            with session_scope(runtime.sessions) as session:
                prepared = prepare(session, fmt, chunk, limits, now)
                recorded = runtime.pipeline.record_events(session, prepared.items, label, now)
            for note in prepared.notes:
                stats.records[note.status] += 1
                if note.status == "unmappable":
                    stats.note(f"record {bar.n + note.index + 1}: {note.reason}")
            for outcome in recorded.outcomes:
                stats.events[outcome.status] += 1
                if outcome.interaction_id:
                    stats.interactions.add(outcome.interaction_id)
                if outcome.errors:
                    stats.note(f"{outcome.event_id}: {outcome.reason}")
            stats.alerts += len(recorded.alerts)
            bar.update(len(chunk))
    return stats
