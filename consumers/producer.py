"""Producing to Kafka: the HTTP ingest sink (Kafka mode) and the shared send and wait-for-acks steps."""

import time
from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer

from consumers.codec import SOURCE_HEADER, encode_event, key_of
from consumers.retry import PublishError
from service.config import Settings
from service.events.model import Event


def make_producer(settings: Settings, client_id: str) -> KafkaProducer:
    timeout_ms = int(settings.kafka_produce_timeout_seconds * 1000)
    return KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        client_id=client_id,
        # kafka-python 3 is idempotent with acks=all by default; said here so nobody "tunes" it away.
        acks="all",
        enable_idempotence=True,
        linger_ms=2,  # a couple of ms lets concurrent sends share a request
        # A down broker must fail the request (503 / batch retried) rather than hang a thread for a minute.
        max_block_ms=timeout_ms,
        request_timeout_ms=max(timeout_ms, 1000),
        delivery_timeout_ms=max(timeout_ms, 1000) + 2,  # must exceed linger + request timeout
    )


def send(
    producer: KafkaProducer, topic: str, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]] | None = None
) -> Any:
    """producer.send, raising PublishError when no metadata came within max_block_ms (the broker is unreachable)."""
    try:
        return producer.send(topic, key=key, value=value, headers=headers)
    except Exception as exc:
        raise PublishError(f"cannot reach the broker: {exc!r}") from exc


def wait_acks(futures: Sequence[Any], timeout: float) -> None:
    """Block until the broker has acknowledged every send (acks=all), or raise PublishError."""
    for failure in acks_of(futures, timeout):
        if failure is not None:
            raise failure


def acks_of(futures: Sequence[Any], timeout: float) -> list[PublishError | None]:
    """Each send's outcome once acknowledged (acks=all): None, or the PublishError of one not acknowledged in time."""
    deadline = time.monotonic() + timeout
    out: list[PublishError | None] = []
    for future in futures:
        try:
            future.get(timeout=max(deadline - time.monotonic(), 0.001))
        except Exception as exc:  # KafkaTimeoutError, NotLeaderForPartition, ...: not acknowledged
            error = PublishError(f"broker did not acknowledge within {timeout:g}s: {exc!r}")
            error.__cause__ = exc
            out.append(error)
        else:
            out.append(None)
    return out


class KafkaEventSink:
    """service.ingest.sink.EventSink on Kafka: POST /v1/events answers 202 once the broker has the events."""

    def __init__(self, producer: KafkaProducer, topic: str, timeout: float) -> None:
        self._producer = producer
        self._topic = topic
        self._timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> "KafkaEventSink":
        producer = make_producer(settings, client_id="callqa-ingest")
        return cls(producer, settings.kafka_events_topic, settings.kafka_produce_timeout_seconds)

    def publish(self, events: Sequence[Event], source: str) -> None:
        headers = [(SOURCE_HEADER, source.encode())]
        futures = [
            send(self._producer, self._topic, encode_event(e), key_of(e.interaction_id), headers) for e in events
        ]
        wait_acks(futures, self._timeout)

    def close(self) -> None:
        self._producer.close(timeout=self._timeout)
