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
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from service.sources.base import MAX_HOLDS, Fields, Ids, Mapped, MappingError, event, parse_epoch

_HOLD_PAIR = re.compile(r"\{(\d+),(\d+)\}")
_US = 1_000_000
MAX_HOLD_US = 7 * 24 * 3600 * _US


def _variables(record: Any) -> Fields:
    r = Fields(record, what="a mod_json_cdr record (a JSON object)")
    raw = r.obj("variables", required=True)
    # Numbers are kept as their digits (mod_json_cdr writes strings, other tools numbers); other types stay as
    # they are, so reading one as text names it.
    decoded = {
        k: unquote(v) if isinstance(v, str) else str(v) if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in raw.value.items()
    }
    return Fields(decoded, "variables")


def _at(v: Fields, name: str, per_second: int = _US) -> datetime | None:
    """The time in variable `name`; None when unset or 0 (it did not happen)."""
    value = v.text(name)
    return None if value in (None, "0") else parse_epoch(value, v.path(name), per_second)


def _holds(v: Fields) -> list[tuple[datetime, datetime]]:
    pairs = _HOLD_PAIR.findall(v.text("hold_events") or "")
    if len(pairs) > MAX_HOLDS:
        raise MappingError(f"{v.path('hold_events')} has {len(pairs)} holds; callqa takes at most {MAX_HOLDS}")
    if pairs:
        name = v.path("hold_events")
        return [(parse_epoch(a, name, _US), parse_epoch(b, name, _US)) for a, b in pairs]
    start = _at(v, "last_hold_uepoch")
    total = v.whole("hold_accum_usec", maximum=MAX_HOLD_US) or 0
    return [(start, start + timedelta(microseconds=total))] if start and total > 0 else []


def map_record(record: Any, received_at: datetime) -> Mapped:
    v = _variables(record)
    call = v.ident("uuid", required=True)
    start = _at(v, "start_uepoch") or _at(v, "start_epoch", 1)
    end = _at(v, "end_uepoch") or _at(v, "end_epoch", 1)
    if start is None or end is None:
        raise MappingError("the record has no start_uepoch or end_uepoch: is it a complete call leg?")
    ids: Ids = {
        "agent_id": v.ident("cc_agent") or v.ident("dialed_user") or v.ident("callee_id_number"),
        "queue_id": v.ident("cc_queue"),
    }
    offered = _at(v, "cc_queue_joined_epoch", 1) or start
    events = [event(f"freeswitch:{call}:offered", "call.offered", offered, call, **ids)]
    answered = _at(v, "cc_queue_answered_epoch", 1) or _at(v, "answer_uepoch") or _at(v, "answer_epoch", 1)
    if answered:
        events.append(event(f"freeswitch:{call}:answered", "call.answered", answered, call, **ids))
    for n, (held, resumed) in enumerate(_holds(v)):
        events.append(event(f"freeswitch:{call}:hold:{n}", "call.hold", held, call, **ids))
        events.append(event(f"freeswitch:{call}:resumed:{n}", "call.resumed", resumed, call, **ids))
    reason = {"reason": v.text("hangup_cause")}
    events.append(event(f"freeswitch:{call}:ended", "call.ended", end, call, reason, **ids))
    return Mapped(tuple(events))
