"""What a receiver gets when an alert changes, built from the alert's one shape (service/alerts/schemas.py): the
signed webhook body and the Alertmanager (API v2) push."""

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from service.alerts.models import Alert, AlertTransition, Delivery
from service.alerts.schemas import alert_doc, transition_doc


def webhook_body(delivery: Delivery, transition: AlertTransition, alert: Alert) -> bytes:
    body = {
        "idempotency_key": delivery.idempotency_key,
        "event": f"alert.{transition.to_state}",
        "transition": transition_doc(transition),
        "alert": alert_doc(alert),
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
