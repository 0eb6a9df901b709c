"""The delivery worker: sends due outbox rows (webhooks signed with HMAC-SHA256, Alertmanager pushes) and
retries failures with exponential backoff. Each row carries an idempotency key the receiver can dedupe on."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.alerts.models import Alert, AlertTransition, Delivery
from service.alerts.notify import alertmanager_body, sign, webhook_body

_MAX_BACKOFF = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    webhook_secret: str
    public_url: str
    max_attempts: int
    backoff_seconds: float


def _send(client: httpx.Client, d: Delivery, policy: DeliveryPolicy, now: datetime, session: Session) -> None:
    transition = session.get_one(AlertTransition, d.transition_id)
    alert = session.get_one(Alert, transition.alert_id)
    headers = {"content-type": "application/json", "Idempotency-Key": d.idempotency_key}
    if d.destination == "alertmanager":
        body = alertmanager_body(alert, policy.public_url)
    else:
        body = webhook_body(d, transition, alert)
        stamp = str(int(now.timestamp()))
        headers |= {"X-Callqa-Timestamp": stamp, "X-Callqa-Event": f"alert.{transition.to_state}"}
        if policy.webhook_secret:
            headers["X-Callqa-Signature"] = sign(policy.webhook_secret, stamp, body)
    response = client.post(d.url, content=body, headers=headers)
    response.raise_for_status()


def deliver_due(session: Session, client: httpx.Client, policy: DeliveryPolicy, now: datetime, limit: int = 50) -> int:
    """Send what is due; returns how many were delivered. Rows are locked so several processes share the work."""
    stmt = (
        select(Delivery)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    delivered = 0
    for d in session.scalars(stmt):
        d.attempts += 1
        try:
            _send(client, d, policy, now, session)
        except httpx.HTTPError as exc:
            d.last_error = f"attempt {d.attempts}: {exc}"[:1000]
            if d.attempts >= policy.max_attempts:
                d.status = "failed"
            else:
                delay = min(timedelta(seconds=policy.backoff_seconds * 2 ** (d.attempts - 1)), _MAX_BACKOFF)
                d.next_attempt_at = now + delay
            continue
        d.status, d.delivered_at, d.last_error = "delivered", now, None
        delivered += 1
    return delivered
