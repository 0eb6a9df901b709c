"""Whether a live call is still alive: a call not ended and silent longer than the standard allows has most
likely lost its call.ended (a dropped event, a crashed telephony connector). Pure: `now` passed in."""

from datetime import datetime

from service.standards.schema import Standard


def is_stale(
    kind: str, final: bool, started_at: datetime, last_event_at: datetime | None, now: datetime, standard: Standard
) -> bool:
    if final or kind != "call":
        return False
    heard = last_event_at or started_at
    return (now - heard).total_seconds() > standard.responsiveness.call.stale_after_seconds
