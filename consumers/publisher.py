"""Alerts and dead letters out to their topics, acknowledged (acks=all) before the caller commits."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kafka import KafkaProducer

from consumers.codec import encode_alert, key_of
from consumers.dead_letter import DeadLetter
from consumers.producer import wait_acks
from service import metrics
from service.alerts.models import Alert

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Publisher:
    producer: KafkaProducer  # thread-safe: the consume loop and the jobs thread share it
    alerts_topic: str
    dead_letter_topic: str
    timeout: float

    def publish(self, dead: Sequence[DeadLetter], alerts: Sequence[Alert], now: datetime) -> None:
        """Raises PublishError (transient) unless the broker acknowledged every record."""
        futures = [
            self.producer.send(self.dead_letter_topic, value=d.record.value, key=d.record.key, headers=d.headers(now))
            for d in dead
        ]
        futures += [
            self.producer.send(self.alerts_topic, value=encode_alert(a), key=key_of(a.interaction_id)) for a in alerts
        ]
        wait_acks(futures, self.timeout)
        for d in dead:
            metrics.DEAD_LETTERS.labels(reason=d.reason).inc()
            r = d.record
            log.warning("dead-lettered %s[%d]@%d (%s): %s", r.topic, r.partition, r.offset, d.reason, d.error)
        metrics.ALERTS_PUBLISHED.inc(len(alerts))
