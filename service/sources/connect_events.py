"""Amazon Connect contact events (EventBridge "Amazon Connect Contact Event"), as EventBridge delivers them
(an envelope with `detail`) or as the bare `detail` the Administrator Guide shows.

Each event carries the timestamps known so far, so QUEUED, CONNECTED_TO_AGENT and DISCONNECTED each map every fact
they carry; the event ids are shared with the contact record adapter and with each other, so the repeated facts
are duplicates and arrival order does not matter.
"""

from datetime import datetime
from typing import Any

from service.sources.base import Fields, Ids, Mapped, MappingError, event, ignored, last_segment
from service.sources.connect import fact_id, unscored_channel

_CONTACT_EVENT = "Amazon Connect Contact Event"
_MAPPED = {"QUEUED", "CONNECTED_TO_AGENT", "DISCONNECTED"}


def _detail(record: Any) -> Fields | Mapped:
    envelope = Fields(record, what="a contact event (a JSON object)")
    if "detail" in envelope.value or "detail-type" in envelope.value:
        kind = envelope.raw("detail-type")
        if kind != _CONTACT_EVENT:
            return ignored(f"EventBridge event {kind!r:.80} is not a contact event")
        if not isinstance(envelope.raw("detail"), dict):
            raise MappingError("EventBridge event has no detail object")
        return envelope.obj("detail")
    return envelope


def map_record(record: Any, received_at: datetime) -> Mapped:
    detail = _detail(record)
    if isinstance(detail, Mapped):
        return detail
    contact = detail.ident("contactId", required=True)
    kind = detail.text("eventType", required=True)
    if kind not in _MAPPED:
        return ignored(f"{kind:.80} carries no queue, answer or end time")
    skip = unscored_channel(detail, "channel")
    if skip:
        return skip
    queue = detail.obj("queueInfo")
    # The guide spells the agent block both agentInfo/agentArn and AgentInfo/AgentArn.
    agent = detail.obj(detail.first("agentInfo", "AgentInfo") or "agentInfo")
    ids: Ids = {
        "agent_id": last_segment(agent.text(agent.first("agentArn", "AgentArn") or "agentArn")),
        "queue_id": last_segment(queue.text("queueArn")),
    }
    events = []
    enqueued = queue.time("enqueueTimestamp")
    if enqueued:
        events.append(event(fact_id(contact, "offered"), "call.offered", enqueued, contact, **ids))
    answered = agent.time("connectedToAgentTimestamp")
    if answered:
        events.append(event(fact_id(contact, "answered"), "call.answered", answered, contact, **ids))
    if kind == "DISCONNECTED":
        at = detail.time("disconnectTimestamp", required=True)
        reason = {"reason": detail.text("disconnectReason")}
        events.append(event(fact_id(contact, "ended"), "call.ended", at, contact, reason, **ids))
    if not events:
        raise MappingError(f"{kind} event carries none of its timestamps")
    return Mapped(tuple(events))
