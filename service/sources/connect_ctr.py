"""Amazon Connect contact trace records (the contact record stream, Kinesis or Firehose).

Connect delivers each record at least once, and again whenever the contact is updated (contact attributes set
after the call, after-contact work ending, ...): the copies share the ContactId and differ in
LastUpdateTimestamp. The mapping carries that timestamp as the record's version; the service keeps the newest
version per ContactId in a table and refuses an older copy that arrives later, so only the newest counts. The
facts themselves get version-free event ids (`connect:<ContactId>:answered`, ...): a newer copy that repeats a fact
is a duplicate, a fact it adds (a disconnect an earlier copy did not have yet) is new.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.sources.base import (
    Ids,
    Mapped,
    MappingError,
    RecordVersion,
    event,
    last_segment,
    optional,
    parse_time,
    require,
)
from service.sources.connect import fact_id, unscored_channel


def _team(agent: Mapping[str, Any]) -> str | None:
    """The deepest level of the agent hierarchy is the agent's own team."""
    groups = agent.get("HierarchyGroups") or {}
    for level in ("Level5", "Level4", "Level3", "Level2", "Level1"):
        group = groups.get(level) or {}
        name = group.get("GroupName") or last_segment(group.get("ARN"))
        if name:
            return str(name)
    return None


def map_record(record: Any, received_at: datetime) -> Mapped:
    if not isinstance(record, dict):
        raise MappingError("a contact record must be a JSON object")
    contact = str(require(record, "ContactId"))
    updated = parse_time(require(record, "LastUpdateTimestamp"), "LastUpdateTimestamp")
    version = RecordVersion(contact, int(updated.timestamp() * 1000), record["LastUpdateTimestamp"])
    skip = unscored_channel(record.get("Channel"))
    if skip:
        return skip
    agent = record.get("Agent") or {}
    queue = record.get("Queue") or {}
    ids: Ids = {
        "agent_id": last_segment(agent.get("ARN")) or agent.get("Username"),
        "team_id": _team(agent),
        "queue_id": last_segment(queue.get("ARN")) or queue.get("Name"),
    }
    events = []
    enqueued = optional(queue, "EnqueueTimestamp")
    if enqueued:
        events.append(
            event(
                fact_id(contact, "offered"),
                "call.offered",
                parse_time(enqueued, "Queue.EnqueueTimestamp"),
                contact,
                **ids,
            )
        )
    connected = optional(agent, "ConnectedToAgentTimestamp")
    if connected:
        at = parse_time(connected, "Agent.ConnectedToAgentTimestamp")
        events.append(event(fact_id(contact, "answered"), "call.answered", at, contact, **ids))
    transferred = record.get("TransferCompletedTimestamp")
    if transferred:
        # Transferred out of Connect (to a phone number): no callqa agent or queue to name.
        at = parse_time(transferred, "TransferCompletedTimestamp")
        events.append(event(fact_id(contact, "transferred"), "call.transferred", at, contact, **ids))
    disconnected = record.get("DisconnectTimestamp")
    if disconnected:
        at = parse_time(disconnected, "DisconnectTimestamp")
        reason = {"reason": record.get("DisconnectReason")}
        events.append(event(fact_id(contact, "ended"), "call.ended", at, contact, reason, **ids))
    if not events:
        return Mapped(ignored="the record has no queue, agent or disconnect time yet")
    return Mapped(tuple(events), version=version)
