"""Offsets stored in the database but not yet committed to Kafka, and the listener that commits them on revoke."""

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kafka import TopicPartition
from kafka.consumer.subscription_state import AsyncConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

log = logging.getLogger(__name__)


class OffsetTracker:
    """Per partition, the next offset to read after what the database holds (last offset + 1)."""

    def __init__(self) -> None:
        self._pending: dict[TopicPartition, OffsetAndMetadata] = {}
        self._lock = threading.Lock()  # the main thread processes; the rebalance listener runs on kafka's IO thread
        self.generation = 0  # bumped by every rebalance: records polled before it may belong to another member now

    def rebalanced(self) -> None:
        with self._lock:
            self.generation += 1

    def processed(self, batch: Mapping[TopicPartition, Sequence[Any]]) -> None:
        with self._lock:
            for tp, records in batch.items():
                last = records[-1]
                self._pending[tp] = OffsetAndMetadata(last.offset + 1, "", last.leader_epoch)

    def pending(self, partitions: Iterable[TopicPartition] | None = None) -> dict[TopicPartition, OffsetAndMetadata]:
        with self._lock:
            if partitions is None:
                return dict(self._pending)
            wanted = set(partitions)
            return {tp: o for tp, o in self._pending.items() if tp in wanted}

    def committed(self, offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
        with self._lock:
            for tp, o in offsets.items():
                if self._pending.get(tp) == o:  # a newer batch may have advanced it meanwhile
                    del self._pending[tp]

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        with self._lock:
            for tp in partitions:
                self._pending.pop(tp, None)


class CommitOnRevoke(AsyncConsumerRebalanceListener):
    """Commits processed offsets before partitions move to another consumer (and on close).

    kafka-python 3 runs listeners on its IO thread, where a blocking `commit()` is refused: so this listener is
    async and awaits `commit_async`. If that fails, the new owner replays from the last commit, and storage,
    idempotent on event_id, changes nothing.
    """

    def __init__(self, consumer: Any, tracker: OffsetTracker) -> None:
        self._consumer = consumer
        self._tracker = tracker

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        offsets = self._tracker.pending(revoked)
        if offsets:
            try:
                await self._consumer.commit_async(offsets)
                self._tracker.committed(offsets)
                log.info("committed %s on revoke", _describe(offsets))
            except KafkaError as exc:
                log.warning("commit on revoke failed (%s): the next owner replays those records, harmlessly", exc)
        self._tracker.forget(revoked)
        self._tracker.rebalanced()
        if revoked:
            log.info("partitions revoked: %s", _names(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._tracker.rebalanced()
        log.info("partitions assigned: %s", _names(assigned) or "none")

    async def on_partitions_lost(self, lost: set[TopicPartition]) -> None:
        # Evicted from the group: a commit would be refused. The new owner replays; nothing is stored twice.
        self._tracker.forget(lost)
        self._tracker.rebalanced()
        log.warning("partitions lost (evicted from the group): %s", _names(lost))


def _names(partitions: Iterable[TopicPartition]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]" for tp in sorted(partitions))


def _describe(offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]@{o.offset}" for tp, o in sorted(offsets.items()))
