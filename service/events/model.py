"""The canonical event as the pipeline carries it after validation: plain, immutable data."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    CALL_OFFERED = "call.offered"
    CALL_ANSWERED = "call.answered"
    CALL_UTTERANCE = "call.utterance"
    CALL_HOLD = "call.hold"
    CALL_RESUMED = "call.resumed"
    CALL_TRANSFERRED = "call.transferred"
    CALL_ENDED = "call.ended"
    TICKET_CREATED = "ticket.created"
    TICKET_REPLIED = "ticket.replied"
    TICKET_STATUS_CHANGED = "ticket.status_changed"
    TICKET_RESOLVED = "ticket.resolved"
    # Customer outcomes: about an interaction, never part of its timeline (service/outcomes stores them)
    SURVEY_ANSWERED = "survey.answered"
    CONTACT_REASON = "contact.reason"

    @property
    def kind(self) -> str:
        """`call` or `ticket`: the kind of interaction this event belongs to (`survey`, `contact`: an outcome)."""
        return self.value.split(".", 1)[0]

    @property
    def is_outcome(self) -> bool:
        """A customer outcome about an interaction (a survey answer, a contact reason), not a step of it."""
        return self in (EventType.SURVEY_ANSWERED, EventType.CONTACT_REASON)


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    type: EventType
    occurred_at: datetime  # timezone-aware
    interaction_id: str
    agent_id: str | None = None
    team_id: str | None = None
    queue_id: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.type.value,
            "occurred_at": self.occurred_at.isoformat(),
            "interaction_id": self.interaction_id,
            "agent_id": self.agent_id,
            "team_id": self.team_id,
            "queue_id": self.queue_id,
            "payload": dict(self.payload),
        }
