"""Fold an interaction's events, in `occurred_at` order, into the facts the scorers judge."""

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from service.events.model import Event, EventType
from service.scoring.types import Evidence


@dataclass(frozen=True, slots=True)
class Turn:
    """An utterance of a call or a reply on a ticket."""

    event_id: str
    speaker: str  # agent | customer
    text: str
    at: datetime  # when it was said: answer time + offset for calls, occurred_at for tickets
    offset_ms: int | None


EVIDENCE_TEXT_CHARS = 500  # enough to read the turn in context; evidence is stored with every score


def turn_evidence(turn: Turn, note: str, *, with_text: bool = True, **facts: Any) -> Evidence:
    """Evidence that points at one turn: which event, when, who, and (optionally) what was said."""
    return Evidence(
        note=note,
        event_id=turn.event_id,
        at=turn.at,
        offset_ms=turn.offset_ms,
        speaker=turn.speaker,
        text=turn.text[:EVIDENCE_TEXT_CHARS] if with_text else None,
        **facts,
    )


@dataclass(frozen=True, slots=True)
class Hold:
    event_id: str
    start: datetime
    end: datetime | None  # None while the customer is still on hold


@dataclass(frozen=True, slots=True)
class Timeline:
    interaction_id: str
    kind: str  # call | ticket
    agent_id: str | None
    team_id: str | None
    queue_id: str | None
    first_event_at: datetime
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    created_at: datetime | None = None
    resolved_at: datetime | None = None
    complaint_level: int | None = None
    ticket_status: str | None = None
    turns: tuple[Turn, ...] = ()
    holds: tuple[Hold, ...] = ()
    transfers: int = 0
    # Each speaker's turns: every script rule asks for them on every rescore. A fold passes its own split (kept
    # as turns are added); a timeline built otherwise splits its turns once.
    by_speaker: Mapping[str, tuple[Turn, ...]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.by_speaker is None:
            by_speaker: dict[str, list[Turn]] = {}
            for t in self.turns:
                by_speaker.setdefault(t.speaker, []).append(t)
            object.__setattr__(self, "by_speaker", {k: tuple(v) for k, v in by_speaker.items()})

    @property
    def final(self) -> bool:
        return (self.ended_at if self.kind == "call" else self.resolved_at) is not None

    @property
    def started_at(self) -> datetime:
        start = self.offered_at or self.answered_at if self.kind == "call" else self.created_at
        return start or self.first_event_at

    @property
    def status(self) -> str:
        if self.kind == "ticket":
            return "resolved" if self.resolved_at else (self.ticket_status or "open")
        if self.ended_at:
            return "ended" if self.answered_at else "abandoned"
        if self.answered_at is None:
            return "queued"
        return "on_hold" if self.holds and self.holds[-1].end is None else "talking"

    def turns_of(self, speaker: str) -> tuple[Turn, ...]:
        return self.by_speaker.get(speaker, ()) if self.by_speaker is not None else ()


def order_key(e: Event) -> tuple[datetime, int, str]:
    """Where an event sits in its interaction's history."""
    return e.occurred_at, e.payload.get("seq", 0), e.event_id


_TURN_TYPES = frozenset({EventType.CALL_UTTERANCE, EventType.TICKET_REPLIED})


class TimelineFold:
    """The fold behind `build_timeline`, kept open so that an event arriving in order is added in constant time.

    `add` takes events in `order_key` order and refuses (returns False, changing nothing) one that would not
    give the same timeline as a fold from scratch: an earlier or duplicate event, a turn that sorts before the
    last one, or the answer arriving after turns whose times hang on it. The caller then folds again from
    scratch. `timeline()` is always what `build_timeline` gives for the events added.
    """

    def __init__(self) -> None:
        self._first: Event | None = None
        self._last_key: tuple[datetime, int, str] | None = None
        self._agent: str | None = None
        self._team: str | None = None
        self._queue: str | None = None
        self._offered: datetime | None = None
        self._answered: datetime | None = None
        self._ended: datetime | None = None
        self._created: datetime | None = None
        self._resolved: datetime | None = None
        self._level: int | None = None
        self._status: str | None = None
        self._transfers = 0
        self._turns: list[Turn] = []
        self._by_speaker: dict[str, list[Turn]] = {}
        self._last_turn_key: tuple[int, int, datetime] | None = None
        self._holds: list[Hold] = []

    @classmethod
    def of(cls, events: Iterable[Event]) -> "TimelineFold":
        fold = cls()
        raw_turns: list[Event] = []
        for e in sorted({e.event_id: e for e in events}.values(), key=order_key):
            if e.type in _TURN_TYPES:
                raw_turns.append(e)
            fold._fold(e)
        keyed = [(fold._turn_key(e), fold._turn(e)) for e in raw_turns]
        keyed.sort(key=lambda kt: kt[0])  # stable: turns with equal keys stay in event order
        fold._turns = [turn for _, turn in keyed]
        for turn in fold._turns:
            fold._by_speaker.setdefault(turn.speaker, []).append(turn)
        fold._last_turn_key = keyed[-1][0] if keyed else None
        return fold

    @property
    def first_event(self) -> Event | None:
        return self._first

    def copy(self) -> "TimelineFold":
        """An independent fold to add to (lists copied, which is a fast C copy of references)."""
        other = copy.copy(self)
        other._turns, other._holds = list(self._turns), list(self._holds)
        other._by_speaker = {speaker: list(turns) for speaker, turns in self._by_speaker.items()}
        return other

    def add(self, e: Event) -> bool:
        key = order_key(e)
        if self._last_key is not None and key <= self._last_key:
            return False
        if e.type in _TURN_TYPES:
            turn_key = self._turn_key(e)
            if self._last_turn_key is not None and turn_key < self._last_turn_key:
                return False
            turn = self._turn(e)
            self._turns.append(turn)
            self._by_speaker.setdefault(turn.speaker, []).append(turn)
            self._last_turn_key = turn_key
        elif e.type is EventType.CALL_ANSWERED and self._answered is None and self._turns:
            return False  # turn times are offsets from the answer: they all move
        self._fold(e)
        return True

    def _turn_at(self, e: Event) -> datetime:
        offset = e.payload.get("offset_ms")
        if offset is not None and self._answered is not None:
            return self._answered + timedelta(milliseconds=offset)
        return e.occurred_at

    def _turn_key(self, e: Event) -> tuple[int, int, datetime]:
        # Transcripts are ordered by their offsets (authoritative), then seq; ticket replies by time.
        return e.payload.get("offset_ms") or 0, e.payload.get("seq", 0), self._turn_at(e)

    def _turn(self, e: Event) -> Turn:
        p = e.payload
        return Turn(e.event_id, p.get("speaker") or p["author"], p["text"], self._turn_at(e), p.get("offset_ms"))

    def _fold(self, e: Event) -> None:
        """Everything but the turns (kept by `of` and `add`, which know the answer time they hang on)."""
        self._first = self._first or e
        self._last_key = order_key(e)
        self._agent, self._team = e.agent_id or self._agent, e.team_id or self._team
        self._queue = e.queue_id or self._queue
        holds = self._holds
        match e.type:
            case EventType.CALL_OFFERED:
                self._offered = self._offered or e.occurred_at
            case EventType.CALL_ANSWERED:
                self._answered = self._answered or e.occurred_at
            case EventType.CALL_ENDED:
                self._ended = self._ended or e.occurred_at
            case EventType.CALL_HOLD:
                if not holds or holds[-1].end is not None:
                    holds.append(Hold(e.event_id, e.occurred_at, None))
            case EventType.CALL_RESUMED:
                if holds and holds[-1].end is None:
                    holds[-1] = Hold(holds[-1].event_id, holds[-1].start, e.occurred_at)
            case EventType.CALL_TRANSFERRED:
                self._transfers += 1
                self._agent = e.payload.get("to_agent_id") or self._agent
                self._queue = e.payload.get("to_queue_id") or self._queue
            case EventType.TICKET_CREATED:
                self._created = self._created or e.occurred_at
                self._level = e.payload.get("complaint_level", self._level)
            case EventType.TICKET_STATUS_CHANGED:
                self._status = e.payload["status"]
            case EventType.TICKET_RESOLVED:
                self._resolved = self._resolved or e.occurred_at

    def timeline(self) -> Timeline:
        first = self._first
        if first is None:
            raise ValueError("an interaction needs at least one event")
        holds = self._holds
        if holds and holds[-1].end is None and self._ended:
            holds = [*holds[:-1], Hold(holds[-1].event_id, holds[-1].start, self._ended)]
        return Timeline(
            interaction_id=first.interaction_id,
            kind=first.type.kind,
            agent_id=self._agent,
            team_id=self._team,
            queue_id=self._queue,
            first_event_at=first.occurred_at,
            offered_at=self._offered,
            answered_at=self._answered,
            ended_at=self._ended,
            created_at=self._created,
            resolved_at=self._resolved,
            complaint_level=self._level,
            ticket_status=self._status,
            turns=tuple(self._turns),
            holds=tuple(holds),
            transfers=self._transfers,
            by_speaker={speaker: tuple(turns) for speaker, turns in self._by_speaker.items()},
        )


def build_timeline(events: Iterable[Event]) -> Timeline:
    """Events may arrive in any order and any number of times; the result depends only on their content."""
    return TimelineFold.of(events).timeline()
