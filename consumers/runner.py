"""`callqa consume`: wire settings, database, standard, Kafka clients and signals around the consume loop."""

import itertools
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from kafka import KafkaConsumer
from prometheus_client import start_http_server
from sqlalchemy.engine import make_url

from consumers.decoders import RecordDecoder
from consumers.loop import Committed, ConsumeLoop, LoopConfig
from consumers.offsets import CommitOnRevoke, OffsetTracker
from consumers.producer import make_producer
from consumers.publisher import AlertsChannel, Publisher
from service.clock import utc_now
from service.config import Settings
from service.jobs import Job, Jobs, JobsThread, Prompted, delivery_interval
from service.runtime import open_runtime

log = logging.getLogger("callqa.consume")
_INSTANCES = itertools.count(1)  # distinct client ids for several consumers in one process (tests, benchmarks)


def make_consumer(settings: Settings, client_id: str) -> KafkaConsumer:
    return KafkaConsumer(**consumer_config(settings, client_id))


def consumer_config(settings: Settings, client_id: str) -> dict[str, Any]:
    return dict(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        group_id=settings.kafka_group_id,
        client_id=client_id,
        # kafka-python 3 auto-commits by default: that would commit offsets of records not yet stored.
        enable_auto_commit=False,
        # A new group starts at the beginning: events produced before the first consumer ran are scored too.
        auto_offset_reset="earliest",
        # Only what an upstream transactional producer committed.
        isolation_level="read_committed",
        max_poll_records=settings.kafka_batch_max_records,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=max(settings.kafka_session_timeout_ms // 3, 100),
        metadata_max_age_ms=30_000,  # notice added partitions within 30 s, not kafka's default 5 min
    )


def wait_for_topic(consumer: KafkaConsumer, topic: str, stop: threading.Event) -> bool:
    """Know the topic's partitions before joining the group: a member that joins without them is assigned
    nothing and, in kafka-python, may wait a whole metadata refresh before the group rebalances."""
    waited = 0.0
    while not stop.is_set():
        if consumer.partitions_for_topic(topic):
            return True
        if waited == 0:
            log.warning("topic %s does not exist yet; waiting for it (or for auto-creation)", topic)
        stop.wait(1.0)
        waited += 1.0
    return False


class StopBeforeConsuming(BaseException):
    """SIGTERM/SIGINT while still connecting. kafka-python's connect, metadata and join calls block for seconds
    to minutes and read no flag, so during start-up the handler raises out of them instead. A BaseException, as
    KeyboardInterrupt is, so that the `except Exception` of kafka-python and of logging does not swallow it."""


def install_stop_handlers(stop: threading.Event, consuming: threading.Event) -> None:
    """Once consuming, SIGTERM/SIGINT only set a flag: the loop finishes the batch in hand, commits and leaves
    the group. Before that there is nothing in hand, and the first signal stops start-up where it is."""

    def _handler(signum: int, _: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if not consuming.is_set() and not stop.is_set():
            stop.set()
            raise StopBeforeConsuming(name)
        log.info("%s received: finishing the batch in hand, then committing and leaving the group", name)
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)


def run_consumer(
    settings: Settings,
    stop: threading.Event | None = None,
    on_commit: Callable[[Committed], None] | None = None,
    decoder: RecordDecoder | None = None,
) -> int:
    """Returns 0 after a requested stop; raises on a fatal error (exit 1 at the command line).

    Without `stop` (the command line), SIGTERM/SIGINT set one; embedders (tests, benchmarks) pass their own.
    `decoder` reads the topic's records (default: callqa's own events; `callqa consume --source` a source's).
    """
    consuming = threading.Event()
    if stop is None:
        stop = threading.Event()
        install_stop_handlers(stop, consuming)
    try:
        return _consume(settings, stop, consuming, on_commit, decoder)
    except StopBeforeConsuming as exc:
        log.info("%s received while connecting to Kafka: stopped before consuming anything", exc)
        return 0


def _consume(
    settings: Settings,
    stop: threading.Event,
    consuming: threading.Event,
    on_commit: Callable[[Committed], None] | None,
    decoder: RecordDecoder | None,
) -> int:
    # kafka-python logs every connection and rebalance step at INFO; ours say what matters.
    logging.getLogger("kafka").setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    runtime = open_runtime(settings, alerts_topic=settings.kafka_alerts_topic)
    sessions, pipeline = runtime.sessions, runtime.pipeline
    client_id = f"callqa-consume-{socket.gethostname()}-{os.getpid()}-{next(_INSTANCES)}"
    log.info("connecting to Kafka at %s", settings.kafka_bootstrap_servers)
    consumer = make_consumer(settings, client_id)
    producer = make_producer(settings, client_id)
    publisher = Publisher(producer, settings.kafka_dead_letter_topic, settings.kafka_produce_timeout_seconds)
    alerts = AlertsChannel(producer, settings.kafka_produce_timeout_seconds)
    # New alerts reach the topic as soon as the batch or the sweep that raised them commits (woken), not on the next
    # tick. The flush reads `jobs` when it runs, after both exist.
    flusher = Prompted(Job("alerts to Kafka", delivery_interval(settings), lambda: jobs.deliveries(only=[alerts])))
    jobs = Jobs.from_settings(settings, sessions, pipeline, runtime.clock, on_raised=flusher.wake)
    scheduler = JobsThread(jobs, settings)

    def committed(done: Committed) -> None:
        if done.alerts:
            flusher.wake()
        if on_commit is not None:
            on_commit(done)

    try:
        if not wait_for_topic(consumer, settings.kafka_events_topic, stop):
            return 0
        tracker = OffsetTracker()
        consumer.subscribe([settings.kafka_events_topic], listener=CommitOnRevoke(consumer, tracker))
        if settings.kafka_metrics_port:
            start_http_server(settings.kafka_metrics_port, addr=settings.host)
        log.info(
            "consuming %s as group %s from %s into %s (standard %s)",
            settings.kafka_events_topic,
            settings.kafka_group_id,
            settings.kafka_bootstrap_servers,
            make_url(settings.database_url).render_as_string(hide_password=True),
            pipeline.book.in_force_at(utc_now()).version,
        )
        scheduler.start()
        flusher.start()
        config = LoopConfig.from_settings(settings)
        loop = ConsumeLoop(
            consumer, publisher, sessions, pipeline, config, tracker, stop, on_commit=committed, decoder=decoder
        )
        consuming.set()
        loop.run()
    finally:
        flusher.close()  # the alerts of the last batches, stored by now, reach the topic before the process leaves
        scheduler.close()
        # Leaving the group hands our partitions over at once (the revoke listener commits what is pending);
        # after a fatal error nothing of the failed batch is pending, so nothing past it is committed.
        consumer.close(autocommit=False)
        producer.close(timeout=settings.kafka_produce_timeout_seconds)
        runtime.close()
    log.info("stopped cleanly")
    return 0
