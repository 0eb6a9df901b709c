"""What the Amazon Connect adapters share, so that the contact record, the contact events and Contact Lens of one
contact join one interaction: the ContactId is the interaction id, and facts that several of them report (queued,
connected to the agent, disconnected) get the same event id from each, so the first to arrive is kept and the
others are answered as duplicates."""

from typing import Any

from service.sources.base import Fields, Mapped, ignored

# Contact Lens and contact records call the voice channel VOICE; EventBridge documents spell it "Voice" too.
_SCORED_CHANNELS = {"VOICE", "CHAT"}


def fact_id(contact_id: str, fact: str) -> str:
    """offered | answered | transferred | ended (and the contact record's own talk_ended and holds): one per
    contact, whichever adapter reports it."""
    return f"connect:{contact_id}:{fact}"


def turn_id(contact_id: str, *parts: Any) -> str:
    return ":".join(["connect", contact_id, "turn", *(str(p) for p in parts)])


def unscored_channel(record: Fields, key: str) -> Mapped | None:
    """Tasks and e-mail contacts are neither calls nor tickets in the event contract: acknowledged, not scored."""
    channel = record.text(key, required=True)
    if channel.upper() not in _SCORED_CHANNELS:
        return ignored(f"{channel} contacts are not scored (only VOICE and CHAT are calls)")
    return None


def speaker_of(role: str | None) -> str | None:
    """AGENT -> agent, CUSTOMER -> customer; SYSTEM (flow and bot messages) and supervisors are not a party."""
    return {"AGENT": "agent", "CUSTOMER": "customer"}.get((role or "").upper())
