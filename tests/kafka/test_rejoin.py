"""A member whose group join completes while the loop is busy elsewhere (processing, committing: a loaded machine)
notices that it is out of the group and joins again, through rebalances that the broker starts (another member
joins and leaves) and rebalances that the member starts itself as leader (the topic gains a partition).

kafka-python 3.0 applies a join's result only inside poll(): a join that completes between two polls is dropped.
After a broker-started rebalance the coordinator still flags a rejoin and the next poll joins again; after a
leader-started one (metadata or subscription changed) the flag is off, so without the loop's help the member stays
"rebalancing" with heartbeats off, the group evicts it, and it never joins again."""

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewPartitions

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

JOIN_DELAY_SECONDS = 0.05  # every JoinGroup leaves this late: longer than any batch poll of the test


class BusyWhileJoining(KafkaConsumer):
    """Joins outlast the loop's batch polls, and whenever a batch poll returns with a join in flight the caller
    stays away from poll() until the join has completed on kafka-python's IO thread: the worst case of a loop
    busy with its batch, made certain. kafka-python 3.0 internals (the coordinator's join task): no public API
    shows a join in flight."""

    missed = 0  # joins that completed between two polls of the loop
    stranded = 0  # of those, the ones after which kafka-python by itself would never join again
    generation = -1  # the member's latest generation: one more per rebalance it went through

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        coordinator = self._coordinator
        join = coordinator._do_join_and_sync_async

        async def late_join() -> Any:
            await coordinator._manager._net.sleep(JOIN_DELAY_SECONDS)
            return await join()

        coordinator._do_join_and_sync_async = late_join

    def poll(self, timeout_ms: int = 0, max_records: int | None = None, update_offsets: bool = True) -> Any:
        records = super().poll(timeout_ms=timeout_ms, max_records=max_records, update_offsets=update_offsets)
        task = self._coordinator._join_task
        if timeout_ms < JOIN_POLL_MS and task is not None and not task.is_done:  # a batch poll left a join behind
            done = threading.Event()
            task.add_both(lambda _: done.set())
            assert done.wait(60), "the join never completed"
            BusyWhileJoining.missed += 1
            if task.succeeded() and not self._coordinator.need_rejoin():
                BusyWhileJoining.stranded += 1
        BusyWhileJoining.generation = max(BusyWhileJoining.generation, self.group_metadata().generation_id)
        return records


def committed(bootstrap: str, group: str, topic: str) -> int:
    return sum(committed_offsets(bootstrap, group, topic).values())


@pytest.fixture
def busy_consumers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def busy(settings: Settings, client_id: str) -> KafkaConsumer:
        # Metadata every half second: the leader sees an added partition (and starts a rebalance) at once.
        return BusyWhileJoining(**{**runner.consumer_config(settings, client_id), "metadata_max_age_ms": 500})

    BusyWhileJoining.missed, BusyWhileJoining.stranded, BusyWhileJoining.generation = 0, 0, -1
    monkeypatch.setattr(runner, "make_consumer", busy)
    yield


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_member_busy_while_its_join_completes_joins_again_and_consumes(
    busy_consumers: None,
    consumer_settings: Callable[..., Settings],
    topics: Topics,
    kafka_bootstrap: str,
    kafka_admin: KafkaAdminClient,
    database_url: str,
) -> None:
    uid = uuid.uuid4().hex[:6]
    first = call(f"c-rejoin-a-{uid}", turns=GOOD_CALL)
    second = call(f"c-rejoin-b-{uid}", turns=RUDE_CALL)
    # Polls of 1-2 ms and small batches, so commits and processing meet the rebalances.
    settings = consumer_settings(kafka_batch_max_records=5, kafka_batch_max_ms=2)
    consumer = ConsumerThread(settings)
    try:
        produce(kafka_bootstrap, topics.events, first)
        wait_for(lambda: stored(database_url) == len(first) or consumer.error, 90, "the first call stored")
        # A rebalance the member starts itself, as the group's leader: the topic has one more partition.
        kafka_admin.create_partitions({topics.events: NewPartitions(total_count=4)})
        wait_for(lambda: BusyWhileJoining.stranded >= 1 or consumer.error, 90, "a leader's join completed away")
        produce(kafka_bootstrap, topics.events, second[:5])
        wait_for(lambda: stored(database_url) == len(first) + 5 or consumer.error, 90, "stored after it")
        # Rebalances the broker starts: another member joins and leaves while the first one polls and commits.
        intruder = KafkaConsumer(
            topics.events,
            bootstrap_servers=kafka_bootstrap,
            group_id=topics.group,
            enable_auto_commit=False,
            session_timeout_ms=6000,
        )
        try:
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
    assert BusyWhileJoining.missed >= 2, "no join completed while the loop was away: nothing was tested"
    # The initial join, kafka-python's rejoin once it knows the partitions, the added partition, the intruder's
    # join and leave, and one lost join each: a handful of generations. Polling in short slices, a member used to
    # go through hundreds, one per poll, until the group evicted it.
    assert BusyWhileJoining.generation <= 12, f"{BusyWhileJoining.generation} rebalances"
    assert_scored_exactly_once(database_url, total)
