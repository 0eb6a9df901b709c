"""Amazon Connect contact events (EventBridge "Amazon Connect Contact Event"), as EventBridge delivers them
(an envelope with `detail`) or as the bare `detail` the Administrator Guide shows.

Each event carries the timestamps known so far, so QUEUED, CONNECTED_TO_AGENT and DISCONNECTED each map every fact
they carry; the event ids are shared with the contact record adapter and with each other, so the repeated facts
are duplicates and arrival order does not matter.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.sources.base import Ids, Mapped, MappingError, event, first_of, ignored, last_segment, parse_time, require
from service.sources.connect import fact_id, unscored_channel

_CONTACT_EVENT = "Amazon Connect Contact Event"
_MAPPED = {"QUEUED", "CONNECTED_TO_AGENT", "DISCONNECTED"}


def _detail(record: Any) -> Mapping[str, Any] | Mapped:
    if not isinstance(record, dict):
        raise MappingError("a contact event must be a JSON object")
    if "detail" in record or "detail-type" in record:
        kind = record.get("detail-type")
        if kind != _CONTACT_EVENT:
            return ignored(f"EventBridge event {kind!r} is not a contact event")
        detail = record.get("detail")
        if not isinstance(detail, dict):
            raise MappingError("EventBridge event has no detail object")
        return detail
    return record


def map_record(record: Any, received_at: datetime) -> Mapped:
    detail = _detail(record)
    if isinstance(detail, Mapped):
        return detail
    contact = str(require(detail, "contactId"))
    kind = require(detail, "eventType")
    if kind not in _MAPPED:
        return ignored(f"{kind} carries no queue, answer or end time")
    skip = unscored_channel(detail.get("channel"))
    if skip:
        return skip
    queue = detail.get("queueInfo") or {}
    # The guide spells the agent block both agentInfo/agentArn and AgentInfo/AgentArn.
    agent = first_of(detail, "agentInfo", "AgentInfo") or {}
    ids: Ids = {
        "agent_id": last_segment(first_of(agent, "agentArn", "AgentArn")),
        "queue_id": last_segment(queue.get("queueArn")),
    }
    events = []
    if queue.get("enqueueTimestamp"):
        at = parse_time(queue["enqueueTimestamp"], "queueInfo.enqueueTimestamp")
        events.append(event(fact_id(contact, "offered"), "call.offered", at, contact, **ids))
    if agent.get("connectedToAgentTimestamp"):
        at = parse_time(agent["connectedToAgentTimestamp"], "agentInfo.connectedToAgentTimestamp")
        events.append(event(fact_id(contact, "answered"), "call.answered", at, contact, **ids))
    if kind == "DISCONNECTED":
        at = parse_time(require(detail, "disconnectTimestamp"), "disconnectTimestamp")
        events.append(
            event(
                fact_id(contact, "ended"), "call.ended", at, contact, {"reason": detail.get("disconnectReason")}, **ids
            )
        )
    if not events:
        raise MappingError(f"{kind} event carries none of its timestamps")
    return Mapped(tuple(events))
