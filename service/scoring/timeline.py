"""Fold an interaction's events, in `occurred_at` order, into the facts the scorers judge."""

from collections.abc import Iterable
from dataclasses import dataclass
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
        return tuple(t for t in self.turns if t.speaker == speaker)


def _ordered(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (e.occurred_at, e.payload.get("seq", 0), e.event_id))


def build_timeline(events: Iterable[Event]) -> Timeline:
    """Events may arrive in any order and any number of times; the result depends only on their content."""
    ordered = _ordered({e.event_id: e for e in events}.values())
    if not ordered:
        raise ValueError("an interaction needs at least one event")
    first = ordered[0]
    agent = team = queue = None
    offered = answered = ended = created = resolved = None
    level: int | None = None
    status: str | None = None
    transfers = 0
    raw_turns: list[Event] = []
    holds: list[Hold] = []
    for e in ordered:
        agent, team, queue = e.agent_id or agent, e.team_id or team, e.queue_id or queue
        match e.type:
            case EventType.CALL_OFFERED:
                offered = offered or e.occurred_at
            case EventType.CALL_ANSWERED:
                answered = answered or e.occurred_at
            case EventType.CALL_ENDED:
                ended = ended or e.occurred_at
            case EventType.CALL_HOLD:
                if not holds or holds[-1].end is not None:
                    holds.append(Hold(e.event_id, e.occurred_at, None))
            case EventType.CALL_RESUMED:
                if holds and holds[-1].end is None:
                    holds[-1] = Hold(holds[-1].event_id, holds[-1].start, e.occurred_at)
            case EventType.CALL_TRANSFERRED:
                transfers += 1
                agent = e.payload.get("to_agent_id") or agent
                queue = e.payload.get("to_queue_id") or queue
            case EventType.CALL_UTTERANCE | EventType.TICKET_REPLIED:
                raw_turns.append(e)
            case EventType.TICKET_CREATED:
                created = created or e.occurred_at
                level = e.payload.get("complaint_level", level)
            case EventType.TICKET_STATUS_CHANGED:
                status = e.payload["status"]
            case EventType.TICKET_RESOLVED:
                resolved = resolved or e.occurred_at
    if holds and holds[-1].end is None and ended:
        holds[-1] = Hold(holds[-1].event_id, holds[-1].start, ended)
    return Timeline(
        interaction_id=first.interaction_id,
        kind=first.type.kind,
        agent_id=agent,
        team_id=team,
        queue_id=queue,
        first_event_at=first.occurred_at,
        offered_at=offered,
        answered_at=answered,
        ended_at=ended,
        created_at=created,
        resolved_at=resolved,
        complaint_level=level,
        ticket_status=status,
        turns=_turns(raw_turns, answered),
        holds=tuple(holds),
        transfers=transfers,
    )


def _turns(raw: list[Event], answered: datetime | None) -> tuple[Turn, ...]:
    keyed: list[tuple[tuple[int, int, datetime], Turn]] = []
    for e in raw:
        p = e.payload
        offset = p.get("offset_ms")
        at = answered + timedelta(milliseconds=offset) if offset is not None and answered is not None else e.occurred_at
        turn = Turn(e.event_id, p.get("speaker") or p["author"], p["text"], at, offset)
        keyed.append(((offset or 0, p.get("seq", 0), at), turn))
    # Transcripts are ordered by their offsets (authoritative), then seq; ticket replies by time.
    return tuple(turn for _, turn in sorted(keyed, key=lambda kt: kt[0]))
