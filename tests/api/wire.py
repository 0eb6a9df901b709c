"""Events in the wire format of POST /v1/events, for API tests: JSON as a telephony system sends it."""

from datetime import UTC, datetime, timedelta
from typing import Any

BASE = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def at(seconds: float, base: datetime = BASE) -> str:
    return (base + timedelta(seconds=seconds)).isoformat()


def event(
    interaction_id: str, n: int, type_: str, seconds: float, payload: dict[str, Any] | None = None, **ids: str
) -> dict[str, Any]:
    return {
        "event_id": f"{interaction_id}-{n}",
        "type": type_,
        "occurred_at": at(seconds),
        "interaction_id": interaction_id,
        **ids,
        "payload": payload or {},
    }


def call(
    cid: str,
    *,
    answered: float | None = 8,
    turns: list[tuple[str, str]] = (),  # type: ignore[assignment]
    ended: float | None = 300,
    agent: str = "a-1",
    team: str = "t-1",
    queue: str = "billing",
    hold_after_turn: int | None = None,
) -> list[dict[str, Any]]:
    """A whole call: offered at 0 s, answered, one utterance every 5 s, optionally a hold, ended."""
    evs = [event(cid, 0, "call.offered", 0, queue_id=queue, team_id=team)]
    if answered is not None:
        evs.append(event(cid, 1, "call.answered", answered, agent_id=agent, team_id=team, queue_id=queue))
    for i, (speaker, text) in enumerate(turns):
        offset = 1000 + i * 5000
        payload = {"speaker": speaker, "text": text, "offset_ms": offset}
        evs.append(event(cid, 10 + i, "call.utterance", (answered or 0) + offset / 1000, payload))
        if hold_after_turn == i:
            hold_at = (answered or 0) + offset / 1000 + 1
            evs.append(event(cid, 90, "call.hold", hold_at))
            evs.append(event(cid, 91, "call.resumed", hold_at + 30))
    if ended is not None:
        evs.append(event(cid, 99, "call.ended", ended))
    return evs


GOOD_CALL = [
    ("agent", "Hello, thank you for calling Acme. My name is Ann, how can I help?"),
    ("customer", "Hi, my internet has been down for two days and I am really frustrated and angry."),
    ("agent", "I'm so sorry about that, I understand how frustrating that is. Let me check your line."),
    ("agent", "May I put you on hold for a moment while I run a test?"),
    ("customer", "Sure."),
    ("agent", "Thanks for waiting. I reset the line and it should work now."),
    ("customer", "It works now, thank you so much, that's great!"),
    ("agent", "Wonderful. Is there anything else I can help you with today?"),
    ("customer", "No, that's all."),
    ("agent", "Thank you for calling, have a great day!"),
]

RUDE_CALL = [
    ("agent", "yeah what do you want"),
    ("customer", "My bill is wrong again, this is ridiculous and I am very angry."),
    ("agent", "Calm down, that's not my problem."),
    ("customer", "Unbelievable. Terrible service, I hate this."),
    ("customer", "This is the worst service ever, I am furious."),  # a third turn: sentiment is judged after 3
    ("agent", "ok bye"),
]
