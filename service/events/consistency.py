"""Checks of a new event against the interaction it joins: what no single event can show on its own."""

from collections.abc import Sequence
from datetime import timedelta

from service.events.decode import FieldError
from service.events.model import Event, EventType

# (earlier, later): the later event may not precede the earlier one by more than the allowed skew.
_ORDER = (
    (EventType.CALL_OFFERED, EventType.CALL_ANSWERED),
    (EventType.CALL_ANSWERED, EventType.CALL_ENDED),
    (EventType.CALL_OFFERED, EventType.CALL_ENDED),
    (EventType.TICKET_CREATED, EventType.TICKET_REPLIED),
    (EventType.TICKET_CREATED, EventType.TICKET_RESOLVED),
)


def inconsistency(existing: Sequence[Event], new: Event, max_skew: timedelta) -> FieldError | None:
    """Why `new` cannot join the interaction made of `existing` (its `type`, or its `occurred_at` out of order
    with an earlier step), or None when it can."""
    if existing and existing[0].type.kind != new.type.kind:
        kind = existing[0].type.kind
        return FieldError(
            "type", f"interaction {new.interaction_id!r} is a {kind}; a {new.type.value} event cannot join it"
        )
    for earlier, later in _ORDER:
        for other in existing:
            if new.type is later and other.type is earlier:
                first, second = other, new
            elif new.type is earlier and other.type is later:
                first, second = new, other
            else:
                continue
            if first.occurred_at - second.occurred_at > max_skew:
                gap = (first.occurred_at - second.occurred_at).total_seconds()
                return FieldError(
                    "occurred_at",
                    f"{second.type.value} at {second.occurred_at.isoformat()} is {gap:g} s before "
                    f"{first.type.value} at {first.occurred_at.isoformat()}",
                )
    return None
