"""FreeSWITCH mod_json_cdr records (one JSON document per call leg, posted when the leg ends).

mod_json_cdr percent-encodes every variable value by default (`encode-values`); both forms are read, each value
decoded once. The call is the leg's `uuid`. Times are the `*_uepoch` variables (microseconds): offered at
`start_uepoch` (or mod_callcenter's `cc_queue_joined_epoch`), answered at `answer_uepoch` (or
`cc_queue_answered_epoch`; 0 means never answered), ended at `end_uepoch` with `hangup_cause`. Holds come from
`hold_events` (`{{start,end},...}` in microseconds), or else one hold of `hold_accum_usec` from `last_hold_uepoch`.
The agent is `cc_agent`, or else the dialled user; the queue `cc_queue`. A record maps to fixed event ids
(`freeswitch:<uuid>:answered`, ...): the same record posted twice is stored once.
"""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from service.sources.base import Ids, Mapped, MappingError, event, parse_epoch, require

_HOLD_PAIR = re.compile(r"\{(\d+),(\d+)\}")


def _variables(record: Mapping[str, Any]) -> dict[str, str]:
    raw = require(record, "variables")
    if not isinstance(raw, dict):
        raise MappingError("variables must be an object")
    return {k: unquote(v) if isinstance(v, str) else str(v) for k, v in raw.items()}


_US = 1_000_000


def _at(v: Mapping[str, str], name: str, per_second: int = _US) -> datetime | None:
    """The time in variable `name`; None when unset or 0 (it did not happen)."""
    value = v.get(name, "")
    return None if value in ("", "0") else parse_epoch(value, name, per_second)


def _holds(v: Mapping[str, str]) -> list[tuple[datetime, datetime]]:
    pairs = _HOLD_PAIR.findall(v.get("hold_events", ""))
    if pairs:
        return [(parse_epoch(a, "hold_events", _US), parse_epoch(b, "hold_events", _US)) for a, b in pairs]
    start = _at(v, "last_hold_uepoch")
    total = int(v.get("hold_accum_usec", "0") or 0)
    return [(start, start + timedelta(microseconds=total))] if start and total > 0 else []


def map_record(record: Any, received_at: datetime) -> Mapped:
    if not isinstance(record, dict):
        raise MappingError("a mod_json_cdr record must be a JSON object")
    v = _variables(record)
    call = require(v, "uuid")
    start = _at(v, "start_uepoch") or _at(v, "start_epoch", 1)
    end = _at(v, "end_uepoch") or _at(v, "end_epoch", 1)
    if start is None or end is None:
        raise MappingError("the record has no start_uepoch or end_uepoch: is it a complete call leg?")
    ids: Ids = {
        "agent_id": v.get("cc_agent") or v.get("dialed_user") or v.get("callee_id_number") or None,
        "queue_id": v.get("cc_queue") or None,
    }
    offered = _at(v, "cc_queue_joined_epoch", 1) or start
    events = [event(f"freeswitch:{call}:offered", "call.offered", offered, call, **ids)]
    answered = _at(v, "cc_queue_answered_epoch", 1) or _at(v, "answer_uepoch") or _at(v, "answer_epoch", 1)
    if answered:
        events.append(event(f"freeswitch:{call}:answered", "call.answered", answered, call, **ids))
    for n, (held, resumed) in enumerate(_holds(v)):
        events.append(event(f"freeswitch:{call}:hold:{n}", "call.hold", held, call, **ids))
        events.append(event(f"freeswitch:{call}:resumed:{n}", "call.resumed", resumed, call, **ids))
    events.append(event(f"freeswitch:{call}:ended", "call.ended", end, call, {"reason": v.get("hangup_cause")}, **ids))
    return Mapped(tuple(events))
