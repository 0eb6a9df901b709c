"""Amazon Connect contact records judged in full: holds from the record's hold totals against the standard's hold
limit, talk time ending at after-contact work or a transfer, transfers (out of Connect, or to the next contact)
counted. Records carry the data model's fields (ctr-data-model.md); the scorer is the real one."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.events.decode import Limits, validate_items
from service.events.model import Event
from service.scoring.response_time import call_response
from service.scoring.timeline import build_timeline
from service.scoring.types import Status
from service.sources import connect_ctr, connect_events
from service.sources.base import MappingError
from tests.factories import default_standard
from tests.vendor_samples import ctr

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LIMITS = Limits(max_text_chars=20_000, max_clock_skew=timedelta(minutes=5), max_batch_events=500)
STD = default_standard()  # holds up to 120 s
ANSWERED = datetime(2026, 11, 24, 9, 0, 17, tzinfo=UTC)  # the sample's Agent.ConnectedToAgentTimestamp


def agent(**fields: Any) -> dict[str, Any]:
    return {**ctr()["Agent"], **fields}


def events_of(*records: dict[str, Any]) -> list[Event]:
    out = []
    for record in records:
        for item in validate_items(list(connect_ctr.map_record(record, NOW).events), LIMITS, NOW):
            assert isinstance(item, Event), item
            out.append(item)
    return out


def judged(*records: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    times, items = call_response(build_timeline(events_of(*records)), STD, NOW)
    return times, {i.id: i for i in items}


HELD = agent(NumberOfHolds=3, LongestHoldDuration=150, CustomerHoldDuration=190)


def test_a_hold_over_the_limit_fails_the_hold_item_like_a_hold_resumed_pair() -> None:
    times, items = judged(ctr(Agent=HELD))
    assert items["hold_time"].status is Status.FAIL
    assert items["hold_time"].detail == "1 hold(s) over 120 s (longest 150 s)"
    assert (times.hold_count, times.hold_seconds) == (3, 190)
    assert [e.value for e in items["hold_time"].evidence] == [150, 20, 20]


@pytest.mark.parametrize(
    ("fields", "status", "count", "seconds"),
    [
        ({"NumberOfHolds": 2, "LongestHoldDuration": 100, "CustomerHoldDuration": 130}, Status.PASS, 2, 130),
        ({"NumberOfHolds": 1, "LongestHoldDuration": 120, "CustomerHoldDuration": 120}, Status.PASS, 1, 120),
        ({"NumberOfHolds": 0, "LongestHoldDuration": 0, "CustomerHoldDuration": 0}, Status.NOT_APPLICABLE, 0, 0),
        # only the total: the holds are taken as equal
        ({"NumberOfHolds": 2, "CustomerHoldDuration": 300}, Status.FAIL, 2, 300),
        # a count without durations cannot be judged
        ({"NumberOfHolds": 2}, Status.NOT_APPLICABLE, 0, 0),
    ],
)
def test_hold_totals(fields: dict[str, Any], status: Status, count: int, seconds: float) -> None:
    times, items = judged(ctr(Agent=agent(**fields)))
    assert (items["hold_time"].status, times.hold_count, times.hold_seconds) == (status, count, seconds)


def test_holds_are_placed_inside_the_talk_time_in_order() -> None:
    events = events_of(ctr(Agent=HELD))
    holds = [e for e in events if e.type.value in ("call.hold", "call.resumed")]
    assert [e.type.value for e in holds] == ["call.hold", "call.resumed"] * 3
    assert [e.occurred_at for e in holds] == sorted(e.occurred_at for e in holds)
    assert holds[0].occurred_at > ANSWERED and holds[-1].occurred_at < datetime(2026, 11, 24, 9, 4, tzinfo=UTC)
    assert "estimated" in holds[0].payload["reason"]


def test_holds_without_an_answer_are_refused() -> None:
    with pytest.raises(MappingError, match=r"Agent.NumberOfHolds counts holds, but Agent.ConnectedToAgentTimestamp"):
        connect_ctr.map_record(ctr(Agent={"NumberOfHolds": 1, "LongestHoldDuration": 30}), NOW)


def test_talk_time_ends_when_after_contact_work_starts() -> None:
    record = ctr(Agent=agent(AfterContactWorkStartTimestamp="2026-11-24T09:03:50Z"))
    times, _ = judged(record)
    assert times.talk_seconds == 213  # 09:00:17 -> 09:03:50, not the 09:04:00 disconnect
    ended = [e for e in connect_ctr.map_record(record, NOW).events if e["type"] == "call.ended"]
    assert [(e["event_id"], e["payload"]) for e in ended] == [
        ("connect:ctr-1:talk_ended", {"reason": "after-contact work started"}),
        ("connect:ctr-1:ended", {"reason": "CUSTOMER_DISCONNECT"}),
    ]


def test_after_contact_work_after_the_disconnect_changes_nothing() -> None:
    times, _ = judged(ctr(Agent=agent(AfterContactWorkStartTimestamp="2026-11-24T09:04:01Z")))
    assert times.talk_seconds == 223


def test_transfer_out_of_connect_ends_the_talk_and_is_counted() -> None:
    times, _ = judged(ctr(TransferCompletedTimestamp="2026-11-24T09:02:00Z"))
    assert (times.talk_seconds, times.transfer_count) == (103, 1)


def test_transfer_to_the_next_contact_is_counted_and_names_it() -> None:
    record = ctr(NextContactId="ctr-2", Agent=agent(AfterContactWorkStartTimestamp="2026-11-24T09:03:00Z"))
    times, _ = judged(record)
    assert (times.transfer_count, times.talk_seconds) == (1, 163)
    (transfer,) = [e for e in events_of(record) if e.type.value == "call.transferred"]
    assert (transfer.payload, transfer.occurred_at) == (
        {"to_interaction_id": "ctr-2"},
        datetime(2026, 11, 24, 9, 3, tzinfo=UTC),
    )


def test_the_disconnect_contact_events_report_does_not_move_the_talk_end_back() -> None:
    """Both Connect sources report `connect:<id>:ended` at the disconnect; the talk end is the record's own fact."""
    record = ctr(Agent=agent(AfterContactWorkStartTimestamp="2026-11-24T09:03:50Z"))
    disconnected = {
        "eventType": "DISCONNECTED",
        "contactId": "ctr-1",
        "channel": "VOICE",
        "disconnectTimestamp": "2026-11-24T09:04:00Z",
    }
    from_events = validate_items(list(connect_events.map_record(disconnected, NOW).events), LIMITS, NOW)
    for arrival in (from_events + events_of(record), events_of(record) + from_events):
        first_of_each = list({e.event_id: e for e in reversed(arrival)}.values())  # the first copy is kept
        times, _ = call_response(build_timeline(first_of_each), STD, NOW)  # type: ignore[arg-type]
        assert times.talk_seconds == 213
