"""A member whose group join completes while the loop is busy elsewhere (processing, committing: a loaded machine)
rejoins and consumes, through rebalances forced while it commits. kafka-python 3.0 throws such a join away and
starts another, so a loop polling in short slices used to rebalance forever and be evicted."""

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer
from kafka.structs import MemberState

from consumers import runner
from consumers.loop import JOIN_POLL_MS
from service.config import Settings
from tests.api.wire import GOOD_CALL, RUDE_CALL, call
from tests.kafka.support import (
    ConsumerThread,
    Topics,
    assert_scored_exactly_once,
    committed_offsets,
    group_state,
    produce,
    stored,
    wait_for,
)

pytestmark = pytest.mark.kafka


class BusyWhileJoining(KafkaConsumer):
    """Whenever a batch poll (shorter than a join poll) returns with the group join still in flight, the caller
    stays away from poll() until the join has completed on kafka-python's IO thread: the worst case of a loop busy
    with its batch, made certain."""

    joins_missed = 0
    generation = -1  # the member's latest generation: one more per rebalance it went through

    def poll(self, timeout_ms: int = 0, max_records: int | None = None, update_offsets: bool = True) -> Any:
        records = super().poll(timeout_ms=timeout_ms, max_records=max_records, update_offsets=update_offsets)
        # kafka-python 3.0 internals: the join in flight is the coordinator's task; no public API shows it.
        task = getattr(self._coordinator, "_join_task", None)
        joining = self.group_metadata().state == MemberState.REBALANCING and task is not None and not task.is_done
        if joining and timeout_ms < JOIN_POLL_MS:  # a batch poll: the loop then processes what it has
            done = threading.Event()
            task.add_both(lambda _: done.set())
            assert done.wait(60), "the join never completed"
            BusyWhileJoining.joins_missed += 1
        BusyWhileJoining.generation = max(BusyWhileJoining.generation, self.group_metadata().generation_id)
        return records


def committed(bootstrap: str, group: str, topic: str) -> int:
    return sum(committed_offsets(bootstrap, group, topic).values())


@pytest.fixture
def busy_consumers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def busy(settings: Settings, client_id: str) -> KafkaConsumer:
        return BusyWhileJoining(**runner.consumer_config(settings, client_id))

    BusyWhileJoining.joins_missed, BusyWhileJoining.generation = 0, -1
    monkeypatch.setattr(runner, "make_consumer", busy)
    yield


@pytest.mark.xfail(
    reason="known open defect (issue 9): in a fresh-clone run on a quiet machine the busy member was evicted "
    "before storing the first call (LeaveGroup: UnknownMemberIdError); it passed 7 of 8 runs under load. "
    "Not strict, so a pass shows as XPASS; to be fixed, not retried",
    strict=False,
)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_member_busy_while_its_join_completes_rejoins_and_consumes(
    busy_consumers: None,
    consumer_settings: Callable[..., Settings],
    topics: Topics,
    kafka_bootstrap: str,
    database_url: str,
) -> None:
    uid = uuid.uuid4().hex[:6]
    first = call(f"c-rejoin-a-{uid}", turns=GOOD_CALL)
    second = call(f"c-rejoin-b-{uid}", turns=RUDE_CALL)
    # Polls of 1-2 ms: the join's round trips outlast every poll, as on a loaded machine where one took 1.3 s
    # against the 50-200 ms batch window; small batches, so commits meet the rebalances.
    settings = consumer_settings(kafka_batch_max_records=5, kafka_batch_max_ms=2)
    consumer = ConsumerThread(settings)
    try:
        produce(kafka_bootstrap, topics.events, first)
        wait_for(lambda: stored(database_url) == len(first) or consumer.error, 90, "the first call stored")
        # Another member joins and leaves while the first one polls, commits and processes: two more rebalances.
        intruder = KafkaConsumer(
            topics.events,
            bootstrap_servers=kafka_bootstrap,
            group_id=topics.group,
            enable_auto_commit=False,
            session_timeout_ms=6000,
        )
        try:
            produce(kafka_bootstrap, topics.events, second[:5])
            wait_for(lambda: intruder.poll(timeout_ms=500) is not None and intruder.assignment(), 90, "a rebalance")
        finally:
            intruder.close(autocommit=False)
        produce(kafka_bootstrap, topics.events, second[5:])
        total = len(first) + len(second)
        wait_for(lambda: committed(kafka_bootstrap, topics.group, topics.events) == total or consumer.error, 90, "all")
        assert consumer.error is None and consumer.running
        assert len(group_state(kafka_bootstrap, topics.group)["members"]) == 1
    finally:
        consumer.close()
    assert BusyWhileJoining.joins_missed >= 1, "no join completed while the loop was away: nothing was tested"
    # The initial join, kafka-python's rejoin once it knows the partitions, the intruder's join and leave, and one
    # lost join each: a handful of generations. The defect went through hundreds, one per poll, until luck ended it.
    assert BusyWhileJoining.generation <= 12, f"{BusyWhileJoining.generation} rebalances"
    assert_scored_exactly_once(database_url, total)
