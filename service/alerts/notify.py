"""What leaves callqa when an alert changes: signed webhooks, Alertmanager pushes and (`callqa consume`) the
Kafka alerts topic, queued in an outbox.

Queuing happens in the same transaction as the change, so a change is never announced without being stored,
nor stored without being announced (the delivery worker, service/alerts/delivery.py, sends after the commit
and retries).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.alerts.models import AlertTransition, Delivery


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
        _supersede_alertmanager_pushes(session, transition)
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


def _supersede_alertmanager_pushes(session: Session, transition: AlertTransition) -> None:
    """Alertmanager holds an alert's state, not its history: only the newest push of an alert is kept going (it
    is re-sent while the alert is open), so earlier ones still pending stop."""
    earlier = select(AlertTransition.id).where(
        AlertTransition.alert_id == transition.alert_id, AlertTransition.id != transition.id
    )
    session.execute(
        update(Delivery)
        .where(Delivery.destination == "alertmanager", Delivery.status == "pending")
        .where(Delivery.transition_id.in_(earlier))
        .values(status="superseded")
        .execution_options(synchronize_session=False)
    )
