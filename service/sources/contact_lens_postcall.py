"""Contact Lens post-contact analysis output files (one JSON document per contact), chat and voice.

Chat: the transcript has absolute times. The agent joining is the answer (`connect:<ContactId>:answered`, shared
with the contact record), each AGENT or CUSTOMER message a turn at its offset from that answer, the chat ending
the end. SYSTEM messages (flow and bot) are no party's words and are left out; the customer's messages before an
agent joined are placed at offset 0 in their order. Queue time is the contact record's to tell.

Voice: turns carry offsets from the start of the analysed audio and no wall-clock time, as in the real-time
stream (same turn ids, so a turn both report is stored once).
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.sources.base import Mapped, MappingError, event, ignored, parse_time, require
from service.sources.connect import fact_id, speaker_of, turn_id, unscored_channel
from service.sources.contact_lens_realtime import utterance

_JOINED = "application/vnd.amazonaws.connect.event.participant.joined"
_ENDED = "application/vnd.amazonaws.connect.event.chat.ended"


def _chat(contact: str, items: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not items:
        return []
    times = [parse_time(require(i, "AbsoluteTime"), f"Transcript[{n}].AbsoluteTime") for n, i in enumerate(items)]
    agent_joins = [
        t
        for i, t in zip(items, times, strict=True)
        if i.get("ContentType") == _JOINED and speaker_of(i.get("ParticipantRole")) == "agent"
    ]
    events = []
    if agent_joins:
        events.append(event(fact_id(contact, "answered"), "call.answered", agent_joins[0], contact))
    # Offsets count from the answer; a chat no agent joined counts from its first item.
    anchor = agent_joins[0] if agent_joins else min(times)
    for seq, (item, at) in enumerate(zip(items, times, strict=True)):
        if item.get("ContentType") == _ENDED:
            events.append(event(fact_id(contact, "ended"), "call.ended", at, contact, {"reason": "chat ended"}))
            continue
        speaker = speaker_of(item.get("ParticipantRole"))
        if item.get("Type") != "MESSAGE" or speaker is None or not item.get("Content"):
            continue
        offset = max(0, round((at - anchor).total_seconds() * 1000))
        payload = {"speaker": speaker, "text": item["Content"], "offset_ms": offset, "seq": seq}
        events.append(event(turn_id(contact, require(item, "Id")), "call.utterance", at, contact, payload))
    return events


def map_record(record: Any, received_at: datetime) -> Mapped:
    if not isinstance(record, dict):
        raise MappingError("a Contact Lens output file must be a JSON object")
    contact = str(require(record, "CustomerMetadata", "ContactId"))
    skip = unscored_channel(record.get("Channel"))
    if skip:
        return skip
    status = record.get("JobStatus")
    if status not in (None, "COMPLETED"):
        return ignored(f"analysis job status is {status}")
    items = require(record, "Transcript")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise MappingError("Transcript must be a list of objects")
    if record["Channel"].upper() == "CHAT":
        events = _chat(contact, items)
    else:
        events = [e for e in (utterance(contact, i, received_at) for i in items) if e]
    if not events:
        return ignored("the transcript has no agent or customer turn")
    return Mapped(tuple(events))
