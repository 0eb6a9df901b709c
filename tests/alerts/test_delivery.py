"""Webhooks and Alertmanager pushes to real HTTP receivers: signed, retried with backoff, idempotent."""

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.alerts.receivers import Receiver, wait_until
from tests.conftest import LiveServer

SECRET = "s3cret"


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    hook, alertmanager = Receiver(failures=2), Receiver(failures=0)
    yield hook, alertmanager
    hook.stop()
    alertmanager.stop()


ONE_FORBIDDEN_PHRASE = {
    "event_id": "w-1-1",
    "type": "call.utterance",
    "occurred_at": "2026-11-24T09:00:00Z",
    "interaction_id": "w-1",
    "payload": {"speaker": "agent", "text": "Calm down.", "offset_ms": 0},
}


def test_signed_webhook_retried_until_delivered_and_alertmanager_push(  # type: ignore[no-untyped-def]
    start_server, receivers: tuple[Receiver, Receiver]
) -> None:
    hook, alertmanager = receivers
    server: LiveServer = start_server(
        sweep=True, webhook_urls=[f"{hook.url}/hook"], webhook_secret=SECRET, delivery_backoff_seconds=0.2,
        alertmanager_url=alertmanager.url, public_url="https://qa.example.test",
    )  # fmt: skip
    raised = server.client.post("/v1/events", json=ONE_FORBIDDEN_PHRASE).json()["alerts"]
    assert [a["rule"] for a in raised] == ["forbidden_phrase"]

    wait_until(lambda: len(hook.calls) >= 3, "deliveries")  # two 503s, then delivered
    keys = {c["headers"]["idempotency-key"] for c in hook.calls[:3]}
    assert len(keys) == 1, "every retry of one delivery carries the same idempotency key"
    ok = hook.calls[2]
    stamp, signature = ok["headers"]["x-callqa-timestamp"], ok["headers"]["x-callqa-signature"]
    expected = hmac.new(SECRET.encode(), stamp.encode() + b"." + ok["body"], hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    body = json.loads(ok["body"])
    assert body["event"] == "alert.open" and body["alert"]["rule"] == "forbidden_phrase"
    assert body["alert"]["evidence"][0]["matched_text"] == "Calm down"
    time.sleep(1.0)
    assert len(hook.calls) == 3, "delivered once: no resend after success"

    wait_until(lambda: len(alertmanager.calls) >= 1, "deliveries")
    pushed = json.loads(alertmanager.calls[0]["body"])[0]
    assert alertmanager.calls[0]["path"] == "api/v2/alerts"
    assert pushed["labels"]["alertname"] == "forbidden_phrase" and pushed["labels"]["severity"] == "critical"
    assert pushed["generatorURL"] == f"https://qa.example.test/console#alert-{raised[0]['id']}"
    assert datetime.fromisoformat(pushed["endsAt"]) > datetime.fromisoformat(pushed["startsAt"]), "still firing"

    server.client.post(f"/v1/alerts/{raised[0]['id']}/resolve", json={"note": "done"})
    wait_until(lambda: len(alertmanager.calls) >= 2 and len(hook.calls) >= 4, "deliveries")
    ended = json.loads(alertmanager.calls[-1]["body"])[0]
    resolved_at = server.client.get(f"/v1/alerts/{raised[0]['id']}").json()["resolved_at"]
    assert datetime.fromisoformat(ended["endsAt"]) == datetime.fromisoformat(resolved_at), "resolution ends it"
    assert json.loads(hook.calls[3]["body"])["event"] == "alert.resolved"
