"""What leaves callqa when an alert changes: signed webhooks, Alertmanager pushes and (`callqa consume`) the
Kafka alerts topic, queued in an outbox.

Queuing happens in the same transaction as the change, so a change is never announced without being stored,
nor stored without being announced (the delivery worker, service/alerts/delivery.py, sends after the commit
and retries).
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.alerts.models import Alert, AlertTransition, Delivery


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


def alert_json(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule": alert.rule,
        "item": alert.item,
        "severity": alert.severity,
        "state": alert.state,
        "subject_kind": alert.subject_kind,
        "subject_id": alert.subject_id,
        "interaction_id": alert.interaction_id,
        "agent_id": alert.agent_id,
        "team_id": alert.team_id,
        "queue_id": alert.queue_id,
        "standard_version": alert.standard_version,
        "message": alert.message,
        "evidence": alert.evidence,
        "value": alert.value,
        "breached_at": _iso(alert.breached_at),
        "raised_at": _iso(alert.raised_at),
        "acknowledged_at": _iso(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by,
        "resolved_at": _iso(alert.resolved_at),
        "resolved_by": alert.resolved_by,
        "escalated_at": _iso(alert.escalated_at),
    }


def transition_json(t: AlertTransition) -> dict[str, Any]:
    return {
        "id": t.id,
        "alert_id": t.alert_id,
        "from_state": t.from_state,
        "to_state": t.to_state,
        "actor": t.actor,
        "note": t.note,
        "at": _iso(t.at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def webhook_body(delivery: Delivery, transition: AlertTransition, alert: Alert) -> bytes:
    body = {
        "idempotency_key": delivery.idempotency_key,
        "event": f"alert.{transition.to_state}",
        "transition": transition_json(transition),
        "alert": alert_json(alert),
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>`: the timestamp binds the signature to one send."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def alertmanager_body(alert: Alert, public_url: str, ends_at: datetime) -> bytes:
    """Alertmanager API v2 `postableAlerts`: labels identify the alert; it fires until `endsAt`."""
    labels = {
        "alertname": alert.rule,
        "severity": alert.severity,
        "source": "callqa",
        "subject_kind": alert.subject_kind,
        "subject_id": alert.subject_id or "",
        "queue": alert.queue_id or "",
        "team": alert.team_id or "",
        "callqa_alert_id": str(alert.id),
    }
    item: dict[str, Any] = {
        "labels": {k: v for k, v in labels.items() if v},
        "annotations": {"summary": alert.message[:500], "standard_version": alert.standard_version},
        "startsAt": alert.raised_at.isoformat(),
        "endsAt": ends_at.isoformat(),
        "generatorURL": f"{public_url.rstrip('/')}/console#alert-{alert.id}",
    }
    return json.dumps([item]).encode()
