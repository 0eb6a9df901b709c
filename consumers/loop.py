"""The consume loop: poll a batch -> decode, validate -> score and store in ONE transaction -> commit the database
-> commit offsets. At least once from Kafka, idempotent storage on event_id: the effect is exactly once.

Failures are classified: an invalid record goes to the dead-letter topic (under a limit); an unavailable database
or broker puts the batch back (seek to its first offsets, pause, back off, resume) and nothing is committed;
anything else stops the consumer loudly with its offsets where they were.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import MemberState, OffsetAndMetadata
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from consumers.codec import INCONSISTENT, INVALID_EVENT, Decoded
from consumers.dead_letter import DeadLetter, DeadLetterLimit
from consumers.decoders import CanonicalDecoder, RecordDecoder
from consumers.offsets import OffsetTracker
from consumers.publisher import Publisher
from consumers.retry import Backoff, is_record_error, is_transient
from service import metrics
from service.alerts.models import Alert
from service.clock import utc_now
from service.config import Settings
from service.db import session_scope
from service.events.decode import Limits, Rejection, limits_of
from service.events.model import Event
from service.interactions.service import Pipeline, Recorded

log = logging.getLogger(__name__)

Batch = dict[TopicPartition, list[Any]]

# How long one poll may wait for a group join to finish. kafka-python 3.0 completes a join only inside poll(): a
# join whose JoinGroup/SyncGroup answers arrive between two polls is thrown away (see request_rejoin). With the
# loop's short batch polls and a busy or loaded machine that could repeat until the group evicts the member. Out of
# the group, polls are long enough for the round trips to land inside one; the stop flag is still checked at least
# this often.
JOIN_POLL_MS = 5000

# Once a batch is due, how long its last poll waits for the answer to the fetch the previous poll sent: records
# already on the broker join the batch; a slower answer goes to the next batch.
FETCH_ROUND_TRIP_MS = 25


@dataclass(frozen=True, slots=True)
class LoopConfig:
    batch_max_records: int
    batch_max_ms: int
    max_dead_letter_ratio: float
    retry_max_backoff: float
    limits: Limits

    @classmethod
    def from_settings(cls, s: Settings) -> "LoopConfig":
        return cls(
            batch_max_records=s.kafka_batch_max_records,
            batch_max_ms=s.kafka_batch_max_ms,
            max_dead_letter_ratio=s.kafka_max_dead_letter_ratio,
            retry_max_backoff=s.kafka_retry_max_backoff_seconds,
            limits=limits_of(s),
        )


@dataclass(frozen=True, slots=True)
class Committed:
    """What one batch stored, handed to an optional observer (benchmarks, tracing) after the commit."""

    events: list[Event]
    alerts: list[Alert]
    dead_letters: int
    committed_at: datetime


class ConsumeLoop:
    def __init__(
        self,
        consumer: KafkaConsumer,
        publisher: Publisher,
        sessions: sessionmaker[Session],
        pipeline: Pipeline,
        config: LoopConfig,
        tracker: OffsetTracker,
        stop: threading.Event | None = None,
        clock: Callable[[], datetime] = utc_now,
        on_commit: Callable[[Committed], None] | None = None,
        decoder: RecordDecoder | None = None,
    ) -> None:
        self.consumer = consumer
        self.publisher = publisher
        self.sessions = sessions
        self.pipeline = pipeline
        self.config = config
        self.tracker = tracker
        self.stop = stop or threading.Event()
        self.clock = clock
        self.on_commit = on_commit
        self.decoder = decoder or CanonicalDecoder()
        self.limit = DeadLetterLimit(config.max_dead_letter_ratio)
        self.backoff = Backoff(maximum=config.retry_max_backoff)

    def run(self) -> None:
        """Until `stop` is set (SIGTERM/SIGINT): the batch in hand is finished and committed before returning."""
        while not self.stop.is_set():
            batch = self.poll_batch()
            if batch:
                self.handle(batch)
            elif self.tracker.pending():
                # A commit the group refused (a rebalance) is retried while idle too, not only with the next batch:
                # with no more records coming, the group would otherwise never see what is stored.
                self.commit_offsets(wait=False)
        self.commit_offsets()

    def poll_batch(self) -> Batch:
        """Up to batch_max_records, cut as soon as its oldest record has waited batch_max_ms since it was produced
        and the broker has nothing more at hand. Records that arrive together share one transaction (bigger
        batches, fewer transactions), but a record that has already waited (a backlog, or what came in while the
        last batch was stored) is not held back to fill the batch: the wait to fill only ever applies to fresh
        records at a light load."""
        cfg = self.config
        batch: Batch = {}
        count = 0
        cut = time.time() + cfg.batch_max_ms / 1000  # until the first record, the longest one poll waits for it
        remaining_ms = cfg.batch_max_ms  # at least one poll, however late this thread was scheduled
        topped_up = False
        while count < cfg.batch_max_records and not self.stop.is_set():
            generation = self.tracker.generation
            polled = self.poll(remaining_ms, cfg.batch_max_records - count)
            if self.tracker.generation != generation:
                # A rebalance ran inside poll(). Records of partitions now another member's are dropped: it reads
                # them from the committed offset. Partitions that stayed ours keep their position (kafka-python 3
                # preserves it), so their records in hand are kept: dropping them would skip them for good.
                assigned = self.consumer.assignment()
                batch = {tp: records for tp, records in batch.items() if tp in assigned}
                count = _size(batch)
            for tp, records in polled.items():
                batch.setdefault(tp, []).extend(records)
                count += len(records)
            if polled:
                cut = min(cut, produced(polled) + cfg.batch_max_ms / 1000)
            remaining_ms = int((cut - time.time()) * 1000)
            if remaining_ms <= 0:
                if not polled or topped_up:
                    break
                # Due, and that poll brought records: one more poll takes what the broker already held (a poll
                # that drains the fetched records sends the next fetch, answered a round trip later). Only one:
                # records that keep trickling in must not hold the batch past its cut.
                topped_up, remaining_ms = True, FETCH_ROUND_TRIP_MS
        return batch

    def poll(self, timeout_ms: int, max_records: int | None = None) -> Batch:
        """consumer.poll(), but long enough to finish joining the group when the member is not in it (JOIN_POLL_MS):
        at start, after a rebalance began, and after an eviction (kafka-python then rejoins with a new member id)."""
        if not in_group(self.consumer):
            request_rejoin(self.consumer)
            timeout_ms = max(timeout_ms, JOIN_POLL_MS)
        return self.consumer.poll(timeout_ms=timeout_ms, max_records=max_records)

    def handle(self, batch: Batch) -> None:
        try:
            self.process(batch)
        except Exception as exc:
            if is_transient(exc):
                self.put_back(batch, exc)
                self.wait_until_available()
            elif is_record_error(exc):
                self.isolate(batch, exc)
            else:
                raise
        else:
            self.backoff.reset()

    def isolate(self, batch: Batch, exc: Exception) -> None:
        """A record broke the batch: process each record alone, in order; one that still fails alone goes to the
        dead-letter topic with the error, and the others are stored as usual."""
        log.warning("batch of %d records failed (%s): retrying record by record", _size(batch), _short(exc))
        records = [(tp, r) for tp, rs in batch.items() for r in rs]
        for i, (tp, record) in enumerate(records):
            try:
                self._alone(tp, record)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                rest: Batch = {}
                for tp_, r in records[i:]:
                    rest.setdefault(tp_, []).append(r)
                self.put_back(rest, exc)
                self.wait_until_available()
                return
        self.backoff.reset()

    def _alone(self, tp: TopicPartition, record: Any) -> None:
        try:
            self.process({tp: [record]})
        except Exception as exc:
            if not is_record_error(exc):
                raise
            self.dead_letter(tp, record, exc)

    def dead_letter(self, tp: TopicPartition, record: Any, exc: Exception) -> None:
        self.limit.admit([True])  # raises before anything of it is published or committed
        error = f"{type(exc).__name__}: {_short(exc)}"
        self.publisher.publish([DeadLetter(record, INVALID_EVENT, error)], self.clock())
        self.tracker.processed({tp: [record]})
        self.commit_offsets()

    def process(self, batch: Batch) -> Committed:
        started = time.perf_counter()
        now = self.clock()
        records = [r for rs in batch.values() for r in rs]
        with session_scope(self.sessions) as session:
            decoded = self.decoder.decode(session, records, self.config.limits, now)
            items = [d.item for d in decoded]
            sources = [d.source or self.decoder.label for d in decoded]
            # Rejected records go to the dead-letter topic: counted as dead_lettered, not as rejected.
            recorded = self.pipeline.record_events(session, items, sources, now, rejected_as="dead_lettered")
            dead = _dead_letters(decoded, recorded)
            self.limit.admit([o.status == "rejected" for o in recorded.outcomes])  # raises: rolled back
            # Dead letters are acknowledged before the database commits: a crash in between replays the batch and
            # publishes them again, never loses them. Alerts go out from the outbox once committed (service/jobs.py).
            self.publisher.publish(dead, now)
        committed_at = self.clock()
        self.tracker.processed(batch)
        events = [
            d.item
            for d, o in zip(decoded, recorded.outcomes, strict=True)
            if o.status == "accepted" and isinstance(d.item, Event)
        ]
        done = Committed(events, recorded.alerts, len(dead), committed_at)
        if self.on_commit:  # first: it wakes the alerts' flush
            self.on_commit(done)
        self.commit_offsets(wait=False)
        self._observe(batch, events, len(dead), started, committed_at)
        return done

    def commit_offsets(self, wait: bool = True) -> None:
        """Commit what the database holds. A failed commit is not fatal: the offsets stay pending, the revoke
        listener or the next batch commits them, and a replay stores nothing twice. A commit that meets a rebalance
        (RebalanceInProgressError) or finds the member evicted (CommitFailedError) is followed by a poll that
        rejoins (see poll()); the revoke or lost listener drops what is no longer ours.

        `wait=False` (after each batch): the commit is sent and the loop goes on to the next batch without waiting
        for the broker's answer; offsets stay pending until it comes, so a later commit carries them again."""
        # A partition revoked while its batch was stored (the revoke listener runs on kafka-python's own thread) is
        # another member's now: committing its offset could move the new owner's commit back behind what it stored.
        assigned = self.consumer.assignment()
        self.tracker.forget([tp for tp in self.tracker.pending() if tp not in assigned])
        offsets = self.tracker.pending()
        if not offsets:
            return
        if not wait:
            self.consumer.commit_async(offsets, callback=self._commit_answered)
            return
        try:
            self.consumer.commit(offsets)
        except KafkaError as exc:
            log.warning("offset commit failed, will retry: %r", exc)
            return
        self.tracker.committed(offsets)

    def _commit_answered(self, offsets: dict[TopicPartition, OffsetAndMetadata], answer: object) -> None:
        """The outcome of a commit_async (an exception if it failed), handed back by kafka-python within a later
        poll or commit on this thread."""
        if isinstance(answer, BaseException):
            log.warning("offset commit failed, will retry: %r", answer)
            return
        self.tracker.committed(offsets)

    def put_back(self, batch: Batch, exc: BaseException) -> None:
        """Forget the batch, rewind to its first offsets and pause: the same records come again on resume."""
        metrics.CONSUMER_DB_RETRIES.inc()
        log.warning("batch of %d records put back, will retry: %s", _size(batch), _short(exc))
        self._rewind_and_pause(batch)

    def _rewind_and_pause(self, batch: Batch) -> None:
        assigned = self.consumer.assignment()
        for tp, records in batch.items():
            if tp in assigned:  # a partition revoked meanwhile resumes from its committed offset elsewhere
                self.consumer.seek(tp, records[0].offset)
        if assigned:
            self.consumer.pause(*assigned)

    def wait_until_available(self) -> None:
        """Back off until the database answers, polling the paused consumer so the group keeps us as a member."""
        while not self.stop.is_set():
            delay = self.backoff.next()
            until = time.monotonic() + delay
            while time.monotonic() < until and not self.stop.is_set():
                polled = self.poll(int(min(until - time.monotonic(), 0.5) * 1000) + 1)
                # Partitions a rebalance assigned meanwhile are not paused: put what they gave back, unprocessed.
                self._rewind_and_pause(polled)
            try:
                with self.sessions() as session:
                    session.execute(text("SELECT 1"))
                break
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.info("database still unavailable (next try within %.1fs): %s", delay * 2, _short(exc))
        # Resume what is assigned now (a rebalance may have changed it while paused).
        self.consumer.resume(*self.consumer.assignment())

    def _observe(self, batch: Batch, events: list[Event], dead: int, started: float, committed_at: datetime) -> None:
        metrics.CONSUMER_BATCH_SECONDS.observe(time.perf_counter() - started)
        metrics.CONSUMER_BATCH_RECORDS.observe(_size(batch))
        for e in events:
            metrics.CONSUMER_EVENT_DELAY_SECONDS.observe(max((committed_at - e.occurred_at).total_seconds(), 0))
        for tp, records in batch.items():
            try:
                end = self.consumer.highwater(tp)
            except KafkaError:
                continue
            if end is not None:
                metrics.CONSUMER_LAG.labels(topic=tp.topic, partition=str(tp.partition)).set(
                    max(end - records[-1].offset - 1, 0)
                )


def in_group(consumer: KafkaConsumer) -> bool:
    """The member has joined its group and heartbeats (kafka-python 3 reports it as the member's state)."""
    return bool(consumer.group_metadata().state == MemberState.STABLE)


def request_rejoin(consumer: KafkaConsumer) -> None:
    """Make the next poll join the group (or finish the join in flight) when the member is not in it.

    kafka-python 3.0.12 joins inside poll() only while its coordinator says a rejoin is needed, and drops a join
    that completed between two polls. After a rebalance the broker started, the coordinator's flag is still up and
    the next poll joins again. After one the member started itself as the group's leader (the topic's partitions or
    the subscription changed) the flag is already down: the dropped join leaves the member "rebalancing" with
    heartbeats off; the group evicts it and no poll ever joins again (seen as LeaveGroup: UnknownMemberIdError at
    close). Raising the flag is harmless otherwise: a join in flight is awaited again, not sent twice. The
    coordinator is private; no public call requests a rejoin (tests/kafka/test_rejoin.py pins the behaviour)."""
    coordinator = getattr(consumer, "_coordinator", None)
    if coordinator is not None:
        coordinator.request_rejoin()


def _dead_letters(decoded: Sequence[Decoded], recorded: Recorded) -> list[DeadLetter]:
    """Records that failed decoding or validation, and valid events the pipeline rejected (e.g. out of order)."""
    out = []
    for d, outcome in zip(decoded, recorded.outcomes, strict=True):
        if outcome.status != "rejected":
            continue
        reason = d.reason or INCONSISTENT
        error = outcome.reason or "rejected"
        if isinstance(d.item, Rejection) and not outcome.errors:
            error = d.item.reason
        out.append(DeadLetter(d.record, reason, error))
    return out


def produced(batch: Batch) -> float:
    """When the oldest record of `batch` was produced (epoch seconds): its timestamp, or now if that is later or
    unknown (a producer clock ahead of ours must not make a record look fresher than it is here)."""
    now = time.time()
    stamps = [r.timestamp for records in batch.values() for r in records if r.timestamp and r.timestamp > 0]
    return min(now, min(stamps) / 1000) if stamps else now


def _size(batch: Batch) -> int:
    return sum(map(len, batch.values()))


def _short(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200] if str(exc) else repr(exc)
