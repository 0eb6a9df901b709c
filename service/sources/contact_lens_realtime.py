"""Contact Lens real-time segments (the Kinesis stream of a contact's live transcript).

SEGMENTS events carry `Transcript` segments (a complete turn: participant, text, offsets in milliseconds from the
start of the analysed conversation) and `Utterance` segments (partial pieces of the turn a later `Transcript`
completes; left out, or each turn would count twice). Contact Lens's own `Sentiment` label is passed on as
`vendor_sentiment` for reference only: callqa scores the text itself with VADER, and the event contract keeps no
unknown field. STARTED, COMPLETED and FAILED carry no time and no fact callqa scores.

The stream carries no wall-clock time: a turn's place in the call is its offset (after the answer the contact
record or contact events report), and its occurred_at is when callqa received it.
"""

from datetime import datetime
from typing import Any

from service.sources.base import Fields, Mapped, event, ignored
from service.sources.connect import speaker_of, turn_id, unscored_channel

MAX_OFFSET_MS = 7 * 24 * 3600 * 1000  # Connect ends every contact within 7 days


def utterance(contact: str, segment: Fields, received_at: datetime) -> dict[str, Any] | None:
    """One voice transcript turn (real-time segment or post-call item) as call.utterance; None for non-parties."""
    role = segment.text("ParticipantRole") or segment.text("ParticipantId")
    speaker = speaker_of(role)
    if speaker is None:
        return None
    text = segment.text("Content", required=True)
    begin = segment.whole("BeginOffsetMillis", maximum=MAX_OFFSET_MS, required=True)
    # Id and role and offset: the guide's samples reuse one placeholder Id for every turn.
    eid = turn_id(contact, segment.ident("Id") or "", role, begin)
    payload = {"speaker": speaker, "text": text, "offset_ms": begin, "vendor_sentiment": segment.text("Sentiment")}
    return event(eid, "call.utterance", received_at, contact, payload)


def map_record(record: Any, received_at: datetime) -> Mapped:
    r = Fields(record, what="a real-time segment event (a JSON object)")
    contact = r.ident("ContactId", required=True)
    kind = r.text("EventType", required=True)
    skip = unscored_channel(r, "Channel")
    if skip:
        return skip
    if kind != "SEGMENTS":
        return ignored(f"{kind:.80} carries no transcript")
    events = []
    for segment in r.objects("Segments", required=True):
        if segment.raw("Transcript") is not None:
            turn = utterance(contact, segment.obj("Transcript"), received_at)
            if turn:
                events.append(turn)
    if not events:
        return ignored("no complete Transcript segment (partial Utterance and Categories segments are not scored)")
    return Mapped(tuple(events))
