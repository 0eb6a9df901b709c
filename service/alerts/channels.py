"""The HTTP channels of the delivery worker: signed webhooks and Alertmanager (API v2) pushes.

Alertmanager keeps an alert only until its `endsAt` (or its `resolve_timeout`, 5 min by default, when none is
sent), so an alert open in callqa is pushed again every `alertmanager_resend_seconds` with `endsAt` four such
intervals ahead, as Prometheus does with its own alerts; once resolved it is pushed with `endsAt` = the resolve
time. If callqa stops, Alertmanager resolves its alerts by itself four intervals later.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

import httpx

from service.alerts.bodies import alertmanager_body, sign, webhook_body
from service.alerts.delivery import Channel, DeliveryPolicy, Message, Outgoing
from service.alerts.models import Alert, AlertTransition, Delivery
from service.config import Settings

_ENDS_AFTER_RESENDS = 4


@dataclass(frozen=True, slots=True)
class HttpChannel:
    """What the HTTP channels share: one connection pool, and a timeout per phase of a request."""

    client: httpx.Client
    timeout: float

    @property
    def send_timeout(self) -> float:
        return 3 * self.timeout  # connecting, sending and waiting for the answer are each bounded by `timeout`

    def post(self, out: Outgoing, headers: dict[str, str]) -> None:
        headers = {"content-type": "application/json", "Idempotency-Key": out.idempotency_key} | headers
        # Streamed and closed unread: only the status matters, however large a body the receiver answers.
        with self.client.stream("POST", out.url, content=out.message.body, headers=headers) as response:
            response.raise_for_status()


@dataclass(frozen=True, slots=True)
class WebhookChannel(HttpChannel):
    secret: str
    destination: ClassVar[str] = "webhook"

    def render(self, delivery: Delivery, transition: AlertTransition, alert: Alert, now: datetime) -> Message:
        return Message(webhook_body(delivery, transition, alert))

    def send(self, out: Outgoing, now: datetime) -> None:
        stamp = str(int(now.timestamp()))  # signed at send time: receivers may refuse old timestamps
        headers = {"X-Callqa-Timestamp": stamp, "X-Callqa-Event": out.event}
        if self.secret:
            headers["X-Callqa-Signature"] = sign(self.secret, stamp, out.message.body)
        self.post(out, headers)


@dataclass(frozen=True, slots=True)
class AlertmanagerChannel(HttpChannel):
    public_url: str
    resend: timedelta
    destination: ClassVar[str] = "alertmanager"

    def render(self, delivery: Delivery, transition: AlertTransition, alert: Alert, now: datetime) -> Message:
        if alert.resolved_at is not None:
            return Message(alertmanager_body(alert, self.public_url, alert.resolved_at))
        body = alertmanager_body(alert, self.public_url, now + _ENDS_AFTER_RESENDS * self.resend)
        # Open: pushed again and again while callqa keeps the alert open, never given up on.
        return Message(body, refresh_after=self.resend, gives_up=False)

    def send(self, out: Outgoing, now: datetime) -> None:
        self.post(out, {})


def http_client(settings: Settings) -> httpx.Client:
    return httpx.Client(timeout=settings.delivery_timeout_seconds)


def http_channels(settings: Settings, client: httpx.Client) -> list[Channel]:
    timeout, resend = settings.delivery_timeout_seconds, timedelta(seconds=settings.alertmanager_resend_seconds)
    return [
        WebhookChannel(client, timeout, settings.webhook_secret),
        AlertmanagerChannel(client, timeout, settings.public_url, resend),
    ]


def policy_from(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        max_attempts=settings.delivery_max_attempts,
        backoff_seconds=settings.delivery_backoff_seconds,
        retry_for=timedelta(seconds=settings.delivery_retry_for_seconds),
        batch=settings.delivery_batch,
    )
