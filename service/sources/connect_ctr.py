"""Amazon Connect contact trace records (the contact record stream, Kinesis or Firehose).

Connect delivers each record at least once, and again whenever the contact is updated (contact attributes set
after the call, after-contact work ending, ...): the copies share the ContactId and differ in
LastUpdateTimestamp. The mapping carries that timestamp as the record's version; the service keeps the newest
version per ContactId in a table and refuses an older copy that arrives later, so only the newest counts. The
facts themselves get version-free event ids (`connect:<ContactId>:answered`, ...): a newer copy that repeats a fact
is a duplicate, a fact it adds (a disconnect an earlier copy did not have yet) is new.

Judged in full, as the data model defines the fields:
- Talk ends when the agent stops talking with the customer: at `Agent.AfterContactWorkStartTimestamp` or
  `TransferCompletedTimestamp`, whichever is first, when that is before `DisconnectTimestamp` (the customer stays
  connected to an external number after a transfer out). It is a second `call.ended` fact (`talk_ended`); the
  timeline keeps the earliest end, so the disconnect that contact events also report does not move it back.
- A transfer out of Connect (`TransferCompletedTimestamp`) or to another agent or queue (`NextContactId`: the
  next contact, a new interaction) is a `call.transferred` fact, naming the next contact when there is one.
- Holds: the record has `Agent.NumberOfHolds`, `LongestHoldDuration` and `CustomerHoldDuration` (whole seconds),
  not the hold times. They become `call.hold`/`call.resumed` pairs that the scorer judges against the standard's
  hold limit like any other: the longest hold first, the rest sharing the remaining hold time equally, spread
  evenly over the talk time. The durations are the record's; the placement is callqa's estimate (each hold's
  `reason` says so), so a hold breach's time is approximate. Without `LongestHoldDuration` the holds are taken as
  equal; without `CustomerHoldDuration` the other holds as instants.
"""

from datetime import datetime, timedelta
from typing import Any

from service.sources.base import (
    MAX_HOLDS,
    Fields,
    Ids,
    Mapped,
    MappingError,
    RecordVersion,
    event,
    last_segment,
    make_id,
)
from service.sources.connect import fact_id, unscored_channel

MAX_SECONDS = 7 * 24 * 3600  # Connect ends every contact within 7 days
_HOLD_NOTE = "hold from the contact record's totals (Agent.NumberOfHolds and durations); its time is estimated"


def _team(agent: Fields) -> str | None:
    """The deepest level of the agent hierarchy is the agent's own team."""
    groups = agent.obj("HierarchyGroups")
    for level in ("Level5", "Level4", "Level3", "Level2", "Level1"):
        group = groups.obj(level)
        name = group.ident("GroupName") or last_segment(group.text("ARN"))
        if name:
            return name
    return None


def hold_durations(agent: Fields) -> list[float]:
    """The holds' lengths in seconds, longest first, from the record's hold totals."""
    count = agent.whole("NumberOfHolds", maximum=MAX_HOLDS)
    longest = agent.whole("LongestHoldDuration", maximum=MAX_SECONDS)
    total = agent.whole("CustomerHoldDuration", maximum=MAX_SECONDS)
    if longest is None and total is None:
        return []  # a count without durations cannot be judged against a limit
    count = max(count or 0, 1 if (longest or total) else 0)
    if count == 0:
        return []
    first = float(longest) if longest is not None else (total or 0) / count
    others = count - 1
    rest = max((total if total is not None else first) - first, 0.0)
    return [first] + ([rest / others] * others if others else [])


def _hold_events(contact: str, durations: list[float], start: datetime, end: datetime | None, ids: Ids) -> list:
    held_total = sum(durations)
    window = (end - start).total_seconds() if end else held_total
    gap = max(window - held_total, 0.0) / (len(durations) + 1)
    events: list[dict[str, Any]] = []
    at = start
    for n, took in enumerate(durations):
        at += timedelta(seconds=gap)
        # Zero-padded: pairs that share an instant (no gap left) still sort held before resumed, in order.
        fact = f"hold:{n:03d}"
        events.append(event(fact_id(contact, f"{fact}:held"), "call.hold", at, contact, {"reason": _HOLD_NOTE}, **ids))
        at += timedelta(seconds=took)
        events.append(event(fact_id(contact, f"{fact}:resumed"), "call.resumed", at, contact, **ids))
    return events


def map_record(record: Any, received_at: datetime) -> Mapped:
    r = Fields(record, what="a contact record (a JSON object)")
    contact = r.ident("ContactId", required=True)
    updated = r.time("LastUpdateTimestamp", required=True)
    version = RecordVersion(contact, int(updated.timestamp() * 1000), r.text("LastUpdateTimestamp", required=True))
    skip = unscored_channel(r, "Channel")
    if skip:
        return skip
    agent, queue = r.obj("Agent"), r.obj("Queue")
    ids: Ids = {
        "agent_id": last_segment(agent.text("ARN")) or agent.ident("Username"),
        "team_id": _team(agent),
        "queue_id": last_segment(queue.text("ARN")) or queue.ident("Name"),
    }
    enqueued = queue.time("EnqueueTimestamp")
    answered = agent.time("ConnectedToAgentTimestamp")
    wrap_up = agent.time("AfterContactWorkStartTimestamp")
    transferred_out = r.time("TransferCompletedTimestamp")
    disconnected = r.time("DisconnectTimestamp")
    next_contact = r.ident("NextContactId")
    talk_end = min((t for t in (wrap_up, transferred_out, disconnected) if t), default=None)
    durations = hold_durations(agent)
    if durations and answered is None:
        raise MappingError("Agent.NumberOfHolds counts holds, but Agent.ConnectedToAgentTimestamp is missing")

    events = []
    if enqueued:
        events.append(event(fact_id(contact, "offered"), "call.offered", enqueued, contact, **ids))
    if answered:
        events.append(event(fact_id(contact, "answered"), "call.answered", answered, contact, **ids))
        events += _hold_events(contact, durations, answered, talk_end, ids)
    # A transfer to another agent or queue has no time of its own in this record: the agent leaves at it.
    transferred = transferred_out or (talk_end if next_contact else None)
    if transferred:
        to = {"to_interaction_id": make_id(next_contact) if next_contact else None}
        events.append(event(fact_id(contact, "transferred"), "call.transferred", transferred, contact, to, **ids))
    if talk_end and talk_end != disconnected:
        why = "after-contact work started" if talk_end == wrap_up else "transferred out of Amazon Connect"
        events.append(event(fact_id(contact, "talk_ended"), "call.ended", talk_end, contact, {"reason": why}, **ids))
    if disconnected:
        reason = {"reason": r.text("DisconnectReason")}
        events.append(event(fact_id(contact, "ended"), "call.ended", disconnected, contact, reason, **ids))
    if not events:
        return Mapped(ignored="the record has no queue, agent or disconnect time yet")
    return Mapped(tuple(events), version=version)
