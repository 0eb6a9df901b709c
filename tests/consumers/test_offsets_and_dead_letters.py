"""The consumer's bookkeeping as pure logic, no broker and no database: which offsets are pending, what the
revoke listener does when its commit fails, when the dead-letter limit stops the consumer, and which records of a
batch become dead letters with which reason."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaError

from consumers.codec import INCONSISTENT, INVALID_EVENT, NOT_JSON, Decoded
from consumers.dead_letter import DeadLetterLimit, DeadLetterLimitExceeded
from consumers.loop import _dead_letters
from consumers.offsets import CommitOnRevoke, OffsetTracker
from service.events.decode import FieldError, Rejection
from service.interactions.service import Outcome, Recorded
from tests.factories import event

A, B = TopicPartition("events", 0), TopicPartition("events", 1)


@dataclass
class Record:
    offset: int
    value: bytes | None = b"{}"
    topic: str = "events"
    partition: int = 0
    timestamp: int = 0
    key: bytes | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    leader_epoch: int = 0


def test_pending_is_the_next_offset_after_the_last_processed_record_per_partition() -> None:
    tracker = OffsetTracker()
    tracker.processed({A: [Record(4), Record(5)], B: [Record(9, partition=1)]})
    assert {tp: o.offset for tp, o in tracker.pending().items()} == {A: 6, B: 10}
    assert list(tracker.pending([B])) == [B]


def test_a_commit_clears_only_what_it_committed_when_a_newer_batch_advanced_meanwhile() -> None:
    tracker = OffsetTracker()
    tracker.processed({A: [Record(0)], B: [Record(0, partition=1)]})
    sent = tracker.pending()
    tracker.processed({A: [Record(1)]})  # processed while the commit was in flight
    tracker.committed(sent)
    assert {tp: o.offset for tp, o in tracker.pending().items()} == {A: 2}


def test_forgotten_partitions_are_not_committed_and_a_rebalance_bumps_the_generation() -> None:
    tracker = OffsetTracker()
    tracker.processed({A: [Record(0)], B: [Record(0, partition=1)]})
    tracker.forget([A])
    tracker.rebalanced()
    assert list(tracker.pending()) == [B] and tracker.generation == 1


class RevokingConsumer:
    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.commits: list[dict[TopicPartition, int]] = []

    async def commit_async(self, offsets: dict[TopicPartition, Any]) -> None:
        if self.fail:
            raise KafkaError("coordinator moved")
        self.commits.append({tp: o.offset for tp, o in offsets.items()})


@pytest.mark.parametrize("fail", [False, True])
def test_on_revoke_the_revoked_partitions_are_committed_if_possible_and_forgotten_either_way(fail: bool) -> None:
    tracker, consumer = OffsetTracker(), RevokingConsumer(fail)
    tracker.processed({A: [Record(3)], B: [Record(7, partition=1)]})
    asyncio.run(CommitOnRevoke(consumer, tracker).on_partitions_revoked({A}))
    assert consumer.commits == ([] if fail else [{A: 4}])
    assert list(tracker.pending()) == [B] and tracker.generation == 1  # the next owner replays A if need be


def test_lost_partitions_are_forgotten_without_a_commit() -> None:
    tracker, consumer = OffsetTracker(), RevokingConsumer(fail=False)
    tracker.processed({A: [Record(3)]})
    asyncio.run(CommitOnRevoke(consumer, tracker).on_partitions_lost({A}))
    assert consumer.commits == [] and tracker.pending() == {} and tracker.generation == 1


def test_the_dead_letter_limit_waits_for_enough_records_then_stops_over_the_ratio() -> None:
    limit = DeadLetterLimit(max_ratio=0.5, window=10, min_records=4)
    limit.admit([True, True, True])  # too few records to judge
    with pytest.raises(DeadLetterLimitExceeded, match="75% of the last 4 records"):
        limit.admit([False])


def test_the_dead_letter_window_slides_and_a_ratio_of_one_never_stops() -> None:
    limit = DeadLetterLimit(max_ratio=0.5, window=4, min_records=4)
    limit.admit([True, True, False, False])
    limit.admit([False, False])  # the two bad ones slid out
    limit.admit([True, True])
    DeadLetterLimit(max_ratio=1.0, min_records=1).admit([True] * 10)


def test_dead_letters_are_the_rejected_records_with_their_category_and_reason() -> None:
    good = event("call.offered", 0, "c-1", "e-0")
    late = event("call.answered", 10, "c-1", "e-1")
    refused = Rejection(2, None, (FieldError("body", "body is not valid JSON"),))
    invalid = Rejection(3, "e-3", (FieldError("occurred_at", "not a time"),))
    records = [Record(i) for i in range(4)]
    decoded = [
        Decoded(records[0], good),
        Decoded(records[1], late),
        Decoded(records[2], refused, NOT_JSON),
        Decoded(records[3], invalid, INVALID_EVENT),
    ]
    out_of_order = (FieldError("occurred_at", "call.answered is 20 s before call.offered"),)
    recorded = Recorded(
        [
            Outcome(0, "e-0", "accepted", "c-1"),
            Outcome(1, "e-1", "rejected", "c-1", out_of_order),
            Outcome(2, None, "rejected", errors=refused.errors),
            Outcome(3, "e-3", "rejected"),  # no errors of its own: the rejection's reason is used
        ]
    )
    dead = [(d.record.offset, d.reason, d.error) for d in _dead_letters(decoded, recorded)]
    assert dead == [
        (1, INCONSISTENT, "occurred_at: call.answered is 20 s before call.offered"),
        (2, NOT_JSON, "body: body is not valid JSON"),
        (3, INVALID_EVENT, "occurred_at: not a time"),
    ]
