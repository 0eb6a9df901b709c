"""What `callqa consume` produces besides events: dead letters, acknowledged (acks=all) before the batch commits,
and new alerts, from the outbox after the commit (a crash in between must not publish an alert never stored)."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from kafka import KafkaProducer

from consumers.codec import encode_alert, key_of
from consumers.dead_letter import DeadLetter
from consumers.producer import acks_of, send, wait_acks
from service import metrics
from service.alerts.delivery import Message, Outgoing
from service.alerts.models import Alert, AlertTransition, Delivery

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Publisher:
    producer: KafkaProducer  # thread-safe: the consume loop and the jobs thread share it
    dead_letter_topic: str
    timeout: float

    def publish(self, dead: Sequence[DeadLetter], now: datetime) -> None:
        """Raises PublishError (transient) unless the broker acknowledged every record."""
        futures = [
            self.producer.send(self.dead_letter_topic, value=d.record.value, key=d.record.key, headers=d.headers(now))
            for d in dead
        ]
        wait_acks(futures, self.timeout)
        for d in dead:
            metrics.DEAD_LETTERS.labels(reason=d.reason).inc()
            r = d.record
            log.warning("dead-lettered %s[%d]@%d (%s): %s", r.topic, r.partition, r.offset, d.reason, d.error)


@dataclass(frozen=True, slots=True)
class AlertsChannel:
    """The outbox's Kafka channel (service/alerts/delivery.py): each new alert to the topic its delivery names,
    keyed by interaction; recorded as delivered once acknowledged, so published at least once (dedup_key). A batch
    channel: a claim's alerts are all produced, then their acknowledgements awaited together."""

    producer: KafkaProducer
    timeout: float
    destination: ClassVar[str] = "kafka"

    @property
    def send_timeout(self) -> float:
        return 2 * self.timeout  # waiting for metadata, then for the acks

    def render(self, delivery: Delivery, transition: AlertTransition, alert: Alert, now: datetime) -> Message:
        # Not bounded by attempts: the topic is callqa's own record of its alerts, not a receiver that may go away;
        # only a broker failing for the whole retry window (CALLQA_DELIVERY_RETRY_FOR_SECONDS) is given up on.
        return Message(encode_alert(alert), key=key_of(alert.interaction_id), gives_up=False)

    def send(self, out: Outgoing, now: datetime) -> None:
        failure = self.send_batch([out], now)[0]
        if failure is not None:
            raise failure

    def send_batch(self, outs: Sequence[Outgoing], now: datetime) -> list[Exception | None]:
        futures = [send(self.producer, out.url, out.message.body, out.message.key) for out in outs]
        failures: list[Exception | None] = list(acks_of(futures, self.timeout))
        metrics.ALERTS_PUBLISHED.inc(failures.count(None))
        return failures
