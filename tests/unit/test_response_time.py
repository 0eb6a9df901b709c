"""Responsiveness: answer wait, abandonment, holds; ticket first reply and resolution against their deadlines.

Default standard: answer within 20 s, short abandon under 5 s, holds up to 120 s, first reply within 30 min
(complaint level 1: 2 h, 2: 4 h, 3: 8 h), resolution within 72 h (level 1: 24 h).
"""

import pytest

from service.scoring.response_time import call_response, ticket_limits, ticket_response
from service.scoring.timeline import build_timeline
from service.scoring.types import Status
from tests.factories import at, call, default_standard, standard, ticket

STD = default_standard()
MIN, HOUR = 60, 3600


def _call_items(events: list, now: float) -> dict:
    times, items = call_response(build_timeline(events), STD, at(now))
    return {"times": times, **{i.id: i for i in items}}


def _ticket_items(events: list, now: float, std=STD) -> dict:
    times, items = ticket_response(build_timeline(events), std, at(now))
    return {"times": times, **{i.id: i for i in items}}


# --------------------------------------------------------------------------------------------------
# answer wait


@pytest.mark.parametrize(
    ("events", "now", "status", "wait", "deadline", "detail"),
    [
        (call(answered=12), 15, Status.PASS, 12, None, "answer after 12 s (within the 20 s limit)"),
        (call(answered=20), 25, Status.PASS, 20, None, "within the 20 s limit"),
        # a late answer breached the standard when the limit passed, not when the call was offered
        (call(answered=20.5), 25, Status.FAIL, 20.5, at(20), "answer after 20.5 s (over the 20 s limit)"),
        (call(answered=45, ended=300), 300, Status.FAIL, 45, at(20), "over the 20 s limit"),
        # live, still queued: pending with its deadline, failed once `now` passes the limit
        (call(), 5, Status.PENDING, None, at(20), "waiting for answer: limit 20 s"),
        (call(), 20, Status.PENDING, None, at(20), "waiting for answer"),
        (call(), 20.001, Status.FAIL, None, at(20), "no answer after 20.001 s (limit 20 s)"),
        (call(), 95, Status.FAIL, None, at(20), "no answer after 95 s"),
        # abandoned: short abandons are left out, others fail
        (call(ended=3), 3, Status.NOT_APPLICABLE, None, None, "hung up after 3 s, within the 5 s short-abandon"),
        (call(ended=4.999), 5, Status.NOT_APPLICABLE, None, None, "short-abandon"),
        (call(ended=5), 5, Status.FAIL, None, at(5), "abandoned after 5 s in queue"),  # hung up before the limit
        (call(ended=40), 40, Status.FAIL, None, at(20), "abandoned after 40 s in queue"),
        # never offered (the queue event is missing): nothing to measure
        (call(offered=None, answered=3), 10, Status.NOT_APPLICABLE, None, None, "no call.offered event"),
    ],
)
def test_answer_wait(events: list, now: float, status: Status, wait: float | None, deadline, detail: str) -> None:
    got = _call_items(events, now)
    item = got["answer_time"]
    assert item.status is status
    assert item.deadline == deadline
    assert detail in item.detail
    assert got["times"].answer_wait_seconds == wait
    assert item.weight == STD.quality.weights.answer_time


def test_answer_wait_evidence_while_waiting_past_the_limit() -> None:
    item = _call_items(call(), 30)["answer_time"]
    assert [(e.note, e.at, e.value) for e in item.evidence] == [
        ("call.offered", at(0), None),
        ("still waiting", at(30), 30),
    ]


@pytest.mark.parametrize(
    ("events", "abandoned", "counts", "within"),
    [
        (call(answered=12, ended=100), False, True, True),
        (call(answered=25, ended=100), False, True, False),
        (call(ended=40), True, True, False),
        (call(ended=2), True, False, None),  # short abandon: not counted for the service level
        (call(), False, False, None),  # still queued
        (call(offered=None, answered=2, ended=9), False, False, None),
    ],
)
def test_abandonment_and_service_level(events: list, abandoned: bool, counts: bool, within: bool | None) -> None:
    times = _call_items(events, 500)["times"]
    assert (times.abandoned, times.counts_for_service_level, times.answered_within_limit) == (
        abandoned,
        counts,
        within,
    )


def test_talk_time_and_transfers() -> None:
    times = _call_items(call(answered=10, transfers=[(50, "a2"), (70, None)], ended=130), 130)["times"]
    assert (times.talk_seconds, times.transfer_count) == (120, 2)


# --------------------------------------------------------------------------------------------------
# holds


@pytest.mark.parametrize(
    ("holds", "ended", "now", "status", "count", "seconds", "deadline", "detail"),
    [
        ((), 300, 300, Status.NOT_APPLICABLE, 0, 0, None, "no hold"),
        (((30, 60), (100, 130)), 300, 300, Status.PASS, 2, 60, None, "2 hold(s), all within 120 s"),
        (((30, 150),), 300, 300, Status.PASS, 1, 120, None, "all within 120 s"),
        (((30, 151), (160, 170)), 300, 300, Status.FAIL, 2, 131, at(150), "1 hold(s) over 120 s (longest 121 s)"),
        # on hold now: pending until the limit, failed once past it (breached when it passed)
        (((30, 60), (100, None)), None, 150, Status.PENDING, 2, 80, at(220), "on hold now; limit 120 s"),
        (((100, None),), None, 220, Status.PENDING, 1, 120, at(220), "on hold now"),
        (((100, None),), None, 250, Status.FAIL, 1, 150, at(220), "1 hold(s) over 120 s (longest 150 s)"),
        # a hold still open when the call ends is closed by the end
        (((100, None),), 180, 900, Status.PASS, 1, 80, None, "1 hold(s), all within 120 s"),
    ],
)
def test_holds(holds, ended, now, status, count, seconds, deadline, detail) -> None:
    got = _call_items(call(answered=5, holds=holds, ended=ended), now)
    item = got["hold_time"]
    assert (item.status, item.deadline) == (status, deadline)
    assert detail in item.detail
    assert (got["times"].hold_count, got["times"].hold_seconds) == (count, seconds)


def test_hold_evidence_names_each_hold() -> None:
    item = _call_items(call(answered=5, holds=[(30, 60), (100, None)]), 400)["hold_time"]
    assert [(e.note, e.event_id, e.at, e.value) for e in item.evidence] == [
        ("hold", "call-1:hold0", at(30), 30),
        ("on hold now", "call-1:hold1", at(100), 300),
    ]


# --------------------------------------------------------------------------------------------------
# tickets


@pytest.mark.parametrize(
    ("level", "first_limit", "resolve_limit"),
    [(None, 30 * MIN, 72 * HOUR), (1, 2 * HOUR, 24 * HOUR), (2, 4 * HOUR, 48 * HOUR), (3, 8 * HOUR, 72 * HOUR)],
)
def test_ticket_limits_by_complaint_level(level: int | None, first_limit: float, resolve_limit: float) -> None:
    assert ticket_limits(build_timeline(ticket(complaint_level=level)), STD) == (first_limit, resolve_limit)


@pytest.mark.parametrize(
    ("level", "replies", "resolved", "now", "status", "deadline", "detail"),
    [
        (None, [("agent", "Hi", 10 * MIN)], None, HOUR, Status.PASS, None, "first reply after 600 s (within"),
        (None, [("agent", "Hi", 30 * MIN)], None, HOUR, Status.PASS, None, "within the 1800 s limit"),
        (None, [("agent", "Hi", 40 * MIN)], None, HOUR, Status.FAIL, at(30 * MIN), "first reply after 2400 s (over"),
        # complaint level 1: 2 h, so 90 min passes here and would fail a normal ticket
        (1, [("agent", "Hi", 90 * MIN)], None, 3 * HOUR, Status.PASS, None, "within the 7200 s limit"),
        (1, [("agent", "Hi", 3 * HOUR)], None, 4 * HOUR, Status.FAIL, at(2 * HOUR), "over the 7200 s limit"),
        (3, [("agent", "Hi", 5 * HOUR)], None, 6 * HOUR, Status.PASS, None, "within the 28800 s limit"),
        # a customer's message is not a reply
        (None, [("customer", "Hello?", 5 * MIN)], None, 10 * MIN, Status.PENDING, at(30 * MIN), "waiting for"),
        # no reply yet: pending until the deadline, overdue once `now` passes it
        (None, [], None, 29 * MIN, Status.PENDING, at(30 * MIN), "waiting for first reply: limit 1800 s"),
        (None, [], None, 31 * MIN, Status.FAIL, at(30 * MIN), "no first reply after 1860 s (limit 1800 s)"),
        (1, [], None, 31 * MIN, Status.PENDING, at(2 * HOUR), "limit 7200 s"),
        (1, [], None, 2 * HOUR + 1, Status.FAIL, at(2 * HOUR), "no first reply after 7201 s"),
        # resolved without a reply: judged by when it was closed
        (None, [], 20 * MIN, HOUR, Status.PASS, None, "first reply after 1200 s"),
        (None, [], 2 * HOUR, 3 * HOUR, Status.FAIL, at(30 * MIN), "first reply after 7200 s"),
    ],
)
def test_ticket_first_reply(level, replies, resolved, now, status, deadline, detail) -> None:
    item = _ticket_items(ticket(complaint_level=level, replies=replies, resolved=resolved), now)["first_reply_time"]
    assert (item.status, item.deadline) == (status, deadline)
    assert detail in item.detail


@pytest.mark.parametrize(
    ("level", "resolved", "now", "status", "deadline", "seconds"),
    [
        (None, 48 * HOUR, 50 * HOUR, Status.PASS, None, 48 * HOUR),
        (None, 73 * HOUR, 80 * HOUR, Status.FAIL, at(72 * HOUR), 73 * HOUR),
        (1, 25 * HOUR, 26 * HOUR, Status.FAIL, at(24 * HOUR), 25 * HOUR),
        (None, None, 10 * HOUR, Status.PENDING, at(72 * HOUR), None),
        (1, None, 24 * HOUR + 1, Status.FAIL, at(24 * HOUR), None),
    ],
)
def test_ticket_resolution(level, resolved, now, status, deadline, seconds) -> None:
    got = _ticket_items(ticket(complaint_level=level, replies=[("agent", "Hi", 60)], resolved=resolved), now)
    assert (got["resolution_time"].status, got["resolution_time"].deadline) == (status, deadline)
    assert got["times"].resolution_seconds == seconds


def test_ticket_times() -> None:
    events = ticket(complaint_level=1, replies=[("customer", "?", 30), ("agent", "Hi", 900)], resolved=HOUR)
    times = _ticket_items(events, HOUR)["times"]
    assert (times.first_reply_seconds, times.first_reply_deadline_seconds, times.resolution_seconds) == (
        900,
        7200,
        3600,
    )


def test_ticket_without_created_event_is_not_applicable() -> None:
    got = _ticket_items(ticket(created=None, replies=[("agent", "Hi", 60)]), HOUR)
    assert got["first_reply_time"].status is Status.NOT_APPLICABLE
    assert got["resolution_time"].status is Status.NOT_APPLICABLE


def test_limits_come_from_the_standard() -> None:
    std = standard(responsiveness={"ticket": {"first_reply_within_seconds": 60}})
    item = _ticket_items(ticket(replies=[("agent", "Hi", 61)]), 100, std)["first_reply_time"]
    assert item.status is Status.FAIL
