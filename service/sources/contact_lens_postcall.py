"""Contact Lens post-contact analysis output files (one JSON document per contact), chat and voice.

Chat: the transcript has absolute times. The agent joining is the answer (`connect:<ContactId>:answered`, shared
with the contact record), each AGENT or CUSTOMER message a turn at its offset from that answer, the chat ending
the end. SYSTEM messages (flow and bot) are no party's words and are left out; the customer's messages before an
agent joined are placed at offset 0 in their order. Queue time is the contact record's to tell.

Voice: turns carry offsets from the start of the analysed audio and no wall-clock time, as in the real-time
stream (same turn ids, so a turn both report is stored once).
"""

from datetime import datetime
from typing import Any

from service.sources.base import Fields, Mapped, event, ignored
from service.sources.connect import fact_id, speaker_of, turn_id, unscored_channel
from service.sources.contact_lens_realtime import utterance

_JOINED = "application/vnd.amazonaws.connect.event.participant.joined"
_ENDED = "application/vnd.amazonaws.connect.event.chat.ended"


def _chat(contact: str, items: list[Fields]) -> list[dict[str, Any]]:
    if not items:
        return []
    times = [i.time("AbsoluteTime", required=True) for i in items]
    agent_joins = [
        t
        for i, t in zip(items, times, strict=True)
        if i.text("ContentType") == _JOINED and speaker_of(i.text("ParticipantRole")) == "agent"
    ]
    events = []
    if agent_joins:
        events.append(event(fact_id(contact, "answered"), "call.answered", agent_joins[0], contact))
    # Offsets count from the answer; a chat no agent joined counts from its first item.
    anchor = agent_joins[0] if agent_joins else min(times)
    for seq, (item, at) in enumerate(zip(items, times, strict=True)):
        if item.text("ContentType") == _ENDED:
            events.append(event(fact_id(contact, "ended"), "call.ended", at, contact, {"reason": "chat ended"}))
            continue
        speaker = speaker_of(item.text("ParticipantRole"))
        text = item.text("Content")
        if item.text("Type") != "MESSAGE" or speaker is None or not text:
            continue
        offset = max(0, round((at - anchor).total_seconds() * 1000))
        payload = {"speaker": speaker, "text": text, "offset_ms": offset, "seq": seq}
        events.append(event(turn_id(contact, item.ident("Id", required=True)), "call.utterance", at, contact, payload))
    return events


def map_record(record: Any, received_at: datetime) -> Mapped:
    r = Fields(record, what="a Contact Lens output file (a JSON object)")
    contact = r.ident("CustomerMetadata", "ContactId", required=True)
    skip = unscored_channel(r, "Channel")
    if skip:
        return skip
    status = r.text("JobStatus")
    if status not in (None, "COMPLETED"):
        return ignored(f"analysis job status is {status:.80}")
    items = r.objects("Transcript", required=True)
    if r.text("Channel", required=True).upper() == "CHAT":
        events = _chat(contact, items)
    else:
        events = [e for e in (utterance(contact, i, received_at) for i in items) if e]
    if not events:
        return ignored("the transcript has no agent or customer turn")
    return Mapped(tuple(events))
