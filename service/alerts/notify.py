"""What leaves callqa when an alert changes: signed webhooks, Alertmanager pushes and (`callqa consume`) the
Kafka alerts topic, queued in an outbox.

Queuing happens in the same transaction as the change, so a change is never announced without being stored,
nor stored without being announced (the delivery worker, service/alerts/delivery.py, sends after the commit
and retries).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from service.alerts.models import AlertTransition, Delivery
from service.alerts.repository import supersede_alertmanager_pushes


@dataclass(frozen=True, slots=True)
class Destinations:
    webhook_urls: tuple[str, ...] = ()
    alertmanager_url: str = ""
    alerts_topic: str = ""  # `callqa consume`: new alerts go to this Kafka topic, from the outbox (consumers/)

    def targets(self, to_state: str) -> list[tuple[str, str]]:
        out = [("webhook", url) for url in self.webhook_urls]
        if self.alertmanager_url:
            out.append(("alertmanager", self.alertmanager_url.rstrip("/") + "/api/v2/alerts"))
        if self.alerts_topic and to_state == "open":  # the topic carries new alerts, not their later changes
            out.append(("kafka", self.alerts_topic))
        return out


def enqueue(session: Session, transition: AlertTransition, destinations: Destinations, now: datetime) -> None:
    targets = destinations.targets(transition.to_state)
    if any(destination == "alertmanager" for destination, _ in targets):
        supersede_alertmanager_pushes(session, transition)
    for destination, url in targets:
        session.add(
            Delivery(
                transition_id=transition.id,
                destination=destination,
                url=url,
                idempotency_key=f"callqa-{transition.id}-{destination}-{hashlib.sha1(url.encode()).hexdigest()[:8]}",
                status="pending",
                attempts=0,
                next_attempt_at=now,
            )
        )
