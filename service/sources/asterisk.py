"""Asterisk channel event logging (CEL) records and AMI queue events, as JSON objects (one per record).

Field names are matched case-insensitively, so a CEL row from a database back end (`eventtype`, `eventtime`,
`uniqueid`, `linkedid`, `channame`, `appname`, `appdata`), an AMI `CEL` event (`EventName`, `EventTime`,
`UniqueID`, `LinkedID`) and AMI queue events (`Event`, `Queue`, `MemberName`, `Interface`, `Uniqueid`,
`Linkedid`, `Timestamp` with `timestampevents=yes`) all map. The call is the linkedid, which every channel of
one call shares; ids are per server, so interactions are named `asterisk-<linkedid>`.

Times must say where they are: Unix time, or ISO 8601 with an offset. cel.conf's default `dateformat` writes
local time with no offset, which cannot be placed on a timeline and is refused with that reason.

Each record is one event with id `asterisk:<linkedid>:<event>:<uniqueid>:<time>`, so a re-sent record is stored
once. Several records may report one fact (the caller hanging up and the linkedid ending; CEL and AMI both
running); the timeline keeps the earliest of each, so their arrival order does not matter.
"""

import re
from datetime import datetime
from typing import Any

from service.sources.base import Fields, Mapped, MappingError, event, ignored, parse_epoch, parse_time

_CHANNEL_SUFFIX = re.compile(r"-[0-9a-f]{6,}(;\d+)?$")


def _time(r: Fields, key: str, name: str) -> datetime:
    value = r.raw(key, required=True)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return parse_epoch(value, name)
    text = r.text(key, required=True).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return parse_epoch(text, name)
    return parse_time(text, name)


def _device(channel: str | None) -> str | None:
    """`PJSIP/1002-0000002a` -> `PJSIP/1002`: the agent's device, without the per-call channel counter."""
    return _CHANNEL_SUFFIX.sub("", channel) if channel else None


def _cel(r: Fields, kind: str) -> Mapped:
    linked = r.ident("linkedid", required=True)
    unique = r.ident("uniqueid", required=True)
    at = _time(r, "eventtime", "eventtime")
    call = f"asterisk-{linked}"
    eid = f"asterisk:{linked}:{kind}:{unique}:{at.timestamp():.6f}"
    originating = unique == linked
    if kind == "APP_START" and (r.text("appname") or "").lower() == "queue":
        queue = (r.text("appdata") or "").split(",", 1)[0] or None
        return Mapped((event(eid, "call.offered", at, call, queue_id=queue),))
    if kind == "ANSWER" and not originating:  # the caller's own channel is answered by the dialplan, not an agent
        return Mapped((event(eid, "call.answered", at, call, agent_id=_device(r.text("channame"))),))
    if kind in ("BLINDTRANSFER", "ATTENDEDTRANSFER"):
        return Mapped((event(eid, "call.transferred", at, call),))
    if (kind == "HANGUP" and originating) or kind == "LINKEDID_END":
        return Mapped((event(eid, "call.ended", at, call, {"reason": kind.lower()}),))
    return ignored(f"CEL {kind:.80} is not a fact callqa scores")


_AMI = {
    "QueueCallerJoin": "call.offered",
    "AgentConnect": "call.answered",
    "AgentComplete": "call.ended",
    "QueueCallerAbandon": "call.ended",
    "Hold": "call.hold",
    "Unhold": "call.resumed",
}


def _ami(r: Fields, kind: str) -> Mapped:
    type_ = _AMI.get(kind)
    if type_ is None:
        return ignored(f"AMI {kind:.80} is not a fact callqa scores")
    linked = r.ident("linkedid") or r.ident("uniqueid", required=True)
    if r.raw("timestamp") is None:
        raise MappingError(f"AMI {kind} has no Timestamp: set timestampevents=yes in manager.conf")
    at = _time(r, "timestamp", "Timestamp")
    call = f"asterisk-{linked}"
    eid = f"asterisk:{linked}:{kind}:{r.ident('uniqueid') or ''}:{at.timestamp():.6f}"
    agent = r.ident("membername") or _device(r.text("interface"))
    why = r.text("reason")
    payload = {"reason": f"{kind}: {why}" if why else kind} if type_ == "call.ended" else None
    return Mapped((event(eid, type_, at, call, payload, agent_id=agent, queue_id=r.ident("queue")),))


def map_record(record: Any, received_at: datetime) -> Mapped:
    fields = Fields(record, what="an Asterisk record (a JSON object)")
    # Names as the back end spells them, matched case-insensitively; a later spelling of one name wins.
    r = Fields({str(k).lower(): v for k, v in fields.value.items() if v is not None and v != ""})
    ami = r.text("event")
    if ami and ami != "CEL":
        return _ami(r, ami)
    kind = r.text("eventtype") or r.text("eventname")
    if not kind:
        raise MappingError("neither a CEL record (eventtype) nor an AMI event (Event)")
    return _cel(r, kind.upper())
