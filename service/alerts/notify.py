"""What leaves callqa when an alert changes: signed webhooks, Alertmanager pushes and (`callqa consume`) the
Kafka alerts topic, queued in an outbox.

Queuing happens in the same transaction as the change, so a change is never announced without being stored,
nor stored without being announced (the delivery worker, service/alerts/delivery.py, sends after the commit
and retries).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from service.alerts.models import AlertTransition, Delivery
from service.alerts.repository import supersede_alertmanager_pushes
from service.db import insert_rows


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


def enqueue(
    session: Session, transitions: Sequence[AlertTransition], destinations: Destinations, now: datetime
) -> None:
    """Each transition's deliveries, in one INSERT for all of them (Core: no ORM object to flush per row)."""
    rows: list[dict[str, Any]] = []
    for transition in transitions:
        targets = destinations.targets(transition.to_state)
        if any(destination == "alertmanager" for destination, _ in targets):
            # the earlier transitions' pushes are stored before they can be superseded
            insert_rows(session, _DELIVERIES, rows)
            rows = []
            supersede_alertmanager_pushes(session, transition)
        rows.extend(
            {
                "transition_id": transition.id,
                "destination": destination,
                "url": url,
                "idempotency_key": f"callqa-{transition.id}-{destination}-{_url_tag(url)}",
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            }
            for destination, url in targets
        )
    insert_rows(session, _DELIVERIES, rows)


_DELIVERIES = cast(Table, Delivery.__table__)


@lru_cache(maxsize=64)
def _url_tag(url: str) -> str:
    return hashlib.sha1(url.encode()).hexdigest()[:8]
