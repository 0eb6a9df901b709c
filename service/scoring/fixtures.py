"""Run a standard's fixture cases: each conversation is scored as a call by the standard itself.

Pure: the events are built at a fixed moment, so a case gives the same outcome on every machine and day.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from service.events.model import Event, EventType
from service.scoring.quality import score_interaction
from service.standards.fixtures import FixtureCase
from service.standards.schema import Standard

_T0 = datetime(2000, 1, 1, tzinfo=UTC)  # any fixed moment: no rule depends on the calendar


@dataclass(frozen=True, slots=True)
class FixtureFailure:
    case: str
    item: str
    expected: str
    got: str
    detail: str  # the item's own reason, so the failure says why

    def as_dict(self) -> dict[str, str]:
        return {"case": self.case, "item": self.item, "expected": self.expected, "got": self.got, "detail": self.detail}

    def line(self) -> str:
        return f"{self.case}: {self.item} is {self.got}, expected {self.expected} ({self.detail})"


@dataclass(frozen=True, slots=True)
class FixtureReport:
    version: str
    cases: int
    checks: int
    failures: tuple[FixtureFailure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def case_events(case: FixtureCase, interaction_id: str = "fixture") -> list[Event]:
    def at(seconds: float) -> datetime:
        return _T0 + timedelta(seconds=seconds)

    def event(n: int, kind: EventType, seconds: float, **payload: object) -> Event:
        return Event(f"{interaction_id}:{n}", kind, at(seconds), interaction_id, payload=payload)

    answered, step = case.answer_after_seconds, case.seconds_between_turns
    events = [event(0, EventType.CALL_OFFERED, 0), event(1, EventType.CALL_ANSWERED, answered)]
    for n, turn in enumerate(case.turns, start=1):
        offset = step * n
        kind = EventType.CALL_UTTERANCE
        events.append(
            event(n + 1, kind, answered + offset, speaker=turn.speaker, text=turn.text, offset_ms=offset * 1000)
        )
    events.append(event(len(case.turns) + 2, EventType.CALL_ENDED, answered + step * (len(case.turns) + 1)))
    return events


def run_fixtures(standard: Standard) -> FixtureReport:
    failures: list[FixtureFailure] = []
    checks = 0
    for case in standard.fixtures:
        events = case_events(case)
        score = score_interaction(events, standard, events[-1].occurred_at)
        items = {i.id: i for i in score.items}
        for item_id, expected in case.expect.items():
            checks += 1
            item = items.get(item_id)
            got = item.status.value if item else "absent"
            if got != expected:
                failures.append(FixtureFailure(case.name, item_id, expected, got, item.detail if item else ""))
    return FixtureReport(standard.version, len(standard.fixtures), checks, tuple(failures))
