"""Consistency of a new event with its interaction: kinds do not mix, and the obvious order holds within a skew."""

from datetime import timedelta

import pytest

from service.events.consistency import inconsistency
from service.events.model import EventType as T
from tests.factories import event

SKEW = timedelta(minutes=5)
HOUR = 3600


@pytest.mark.parametrize(
    ("existing", "new", "reason"),
    [
        # in order, or out of order within the skew: fine
        ([(T.CALL_OFFERED, 0)], (T.CALL_ANSWERED, 12), None),
        ([(T.CALL_ANSWERED, 12)], (T.CALL_OFFERED, 0), None),
        ([(T.CALL_OFFERED, 100)], (T.CALL_ANSWERED, 100 - 300), None),
        ([(T.CALL_OFFERED, 0), (T.CALL_ANSWERED, 5)], (T.CALL_ENDED, 60), None),
        ([(T.CALL_ANSWERED, 5)], (T.CALL_UTTERANCE, -3 * HOUR), None),  # utterances are placed by their offset
        ([(T.TICKET_CREATED, 0)], (T.TICKET_REPLIED, 600), None),
        ([], (T.CALL_ENDED, 0), None),
        # answered hours before it was offered, in either arrival order
        (
            [(T.CALL_OFFERED, 0)],
            (T.CALL_ANSWERED, -2 * HOUR),
            "call.answered at 2026-11-24T07:00:00+00:00 is 7200 s before call.offered",
        ),
        (
            [(T.CALL_ANSWERED, -2 * HOUR)],
            (T.CALL_OFFERED, 0),
            "call.answered at 2026-11-24T07:00:00+00:00 is 7200 s before call.offered",
        ),
        ([(T.CALL_OFFERED, 0)], (T.CALL_ANSWERED, -301), "is 301 s before call.offered"),
        ([(T.CALL_OFFERED, 0), (T.CALL_ANSWERED, 10)], (T.CALL_ENDED, -HOUR), "call.ended at"),
        ([(T.CALL_ANSWERED, 10)], (T.CALL_ENDED, -HOUR), "before call.answered"),
        ([(T.TICKET_CREATED, 0)], (T.TICKET_REPLIED, -HOUR), "ticket.replied at"),
        (
            [(T.TICKET_RESOLVED, 0)],
            (T.TICKET_CREATED, HOUR),
            "ticket.resolved at 2026-11-24T09:00:00+00:00 is 3600 s before",
        ),
        # kinds do not mix
        (
            [(T.CALL_OFFERED, 0)],
            (T.TICKET_REPLIED, 10),
            "interaction 'i-1' is a call; a ticket.replied event cannot join it",
        ),
        ([(T.TICKET_CREATED, 0)], (T.CALL_HOLD, 10), "interaction 'i-1' is a ticket; a call.hold event cannot join it"),
    ],
)
def test_inconsistency(existing: list, new: tuple, reason: str | None) -> None:
    events = [event(t, s, "i-1", f"old-{n}") for n, (t, s) in enumerate(existing)]
    got = inconsistency(events, event(new[0], new[1], "i-1", "new"), SKEW)
    if reason is None:
        assert got is None
    else:
        assert got is not None and reason in got.message
