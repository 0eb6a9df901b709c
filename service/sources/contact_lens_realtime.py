"""Contact Lens real-time segments (the Kinesis stream of a contact's live transcript).

SEGMENTS events carry `Transcript` segments (a complete turn: participant, text, offsets in milliseconds from the
start of the analysed conversation) and `Utterance` segments (partial pieces of the turn a later `Transcript`
completes; left out, or each turn would count twice). Contact Lens's own `Sentiment` label is passed on as
`vendor_sentiment` for reference only: callqa scores the text itself with VADER, and the event contract keeps no
unknown field. STARTED, COMPLETED and FAILED carry no time and no fact callqa scores.

The stream carries no wall-clock time: a turn's place in the call is its offset (after the answer the contact
record or contact events report), and its occurred_at is when callqa received it.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.sources.base import Mapped, MappingError, event, ignored, require
from service.sources.connect import speaker_of, turn_id, unscored_channel


def utterance(contact: str, segment: Mapping[str, Any], received_at: datetime) -> dict[str, Any] | None:
    """One voice transcript turn (real-time segment or post-call item) as call.utterance; None for non-parties."""
    role = segment.get("ParticipantRole") or segment.get("ParticipantId")
    speaker = speaker_of(role)
    if speaker is None:
        return None
    text = require(segment, "Content")
    begin = segment.get("BeginOffsetMillis")
    if not isinstance(begin, int) or begin < 0:
        raise MappingError(f"transcript turn has no BeginOffsetMillis: {begin!r}")
    # Id and role and offset: the guide's samples reuse one placeholder Id for every turn.
    eid = turn_id(contact, segment.get("Id", ""), role, begin)
    payload = {"speaker": speaker, "text": text, "offset_ms": begin, "vendor_sentiment": segment.get("Sentiment")}
    return event(eid, "call.utterance", received_at, contact, payload)


def map_record(record: Any, received_at: datetime) -> Mapped:
    if not isinstance(record, dict):
        raise MappingError("a real-time segment event must be a JSON object")
    contact = str(require(record, "ContactId"))
    kind = require(record, "EventType")
    skip = unscored_channel(record.get("Channel"))
    if skip:
        return skip
    if kind != "SEGMENTS":
        return ignored(f"{kind} carries no transcript")
    segments = require(record, "Segments")
    if not isinstance(segments, list):
        raise MappingError("Segments must be a list")
    events = []
    for segment in segments:
        transcript = segment.get("Transcript") if isinstance(segment, dict) else None
        if transcript:
            turn = utterance(contact, transcript, received_at)
            if turn:
                events.append(turn)
    if not events:
        return ignored("no complete Transcript segment (partial Utterance and Categories segments are not scored)")
    return Mapped(tuple(events))
