"""Delivery under faults, against real HTTP receivers and both databases: a receiver that holds its request does
not hold up ingest, a bad URL fails only its own deliveries, claims survive concurrent workers and dead ones, and
Alertmanager keeps firing an open alert until callqa resolves it.

The worker is driven with an injected clock (`deliver_due(..., clock)`) where time matters; the one test through
the running server asserts the order of events, never how long something took.
"""

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from service.alerts import channels, lifecycle
from service.alerts.delivery import claim, deliver_backlog, deliver_due, release
from service.alerts.models import Alert, Delivery
from service.alerts.notify import Destinations
from service.config import Settings
from service.db import session_scope
from service.runtime import Runtime, open_runtime
from tests.alerts.receivers import Receiver, wait_until
from tests.api.wire import at as wire_at
from tests.conftest import LiveServer
from tests.factories import at, event

T0 = at(0)
Worker = Callable[..., Callable[[], int]]
CALLQA = str(Path(sys.executable).parent / "callqa")


class Clock:
    """Time that moves only when the test says: the worker's every decision is made at an exact instant."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def to(self, seconds: float) -> datetime:
        self.now = T0 + timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def runtime_of(database_url: str) -> Iterator[Callable[..., Runtime]]:
    opened: list[Runtime] = []

    def make(**overrides: Any) -> Runtime:
        opened.append(open_runtime(Settings(database_url=database_url, **overrides)))
        return opened[-1]

    yield make
    for r in opened:
        r.close()


def raise_alert(runtime: Runtime, interaction_id: str, now: datetime = T0) -> int:
    rude = event("call.utterance", 0, interaction_id, speaker="agent", text="Calm down.", offset_ms=0)
    with session_scope(runtime.sessions) as session:
        (alert,) = runtime.pipeline.record_events(session, [rude], "test", now).alerts
        return alert.id


def deliveries(runtime: Runtime) -> list[Delivery]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


@pytest.fixture
def worker() -> Iterator[Worker]:
    """A delivery worker over the HTTP channels: one round per call, at the clock's time."""
    clients: list[httpx.Client] = []

    def make(runtime: Runtime, settings: Settings, clock: Callable[[], datetime]) -> Callable[[], int]:
        clients.append(channels.http_client(settings))
        chans = channels.http_channels(settings, clients[-1])
        return lambda: deliver_due(runtime.sessions, chans, channels.policy_from(settings), clock)

    yield make
    for c in clients:
        c.close()


# 1. No network call inside a transaction ----------------------------------------------------------------------


def _rude_post(cid: str) -> dict[str, Any]:
    utterance = {"speaker": "agent", "text": "Calm down.", "offset_ms": 0}
    return {"event_id": f"{cid}-1", "type": "call.utterance", "occurred_at": wire_at(0), "interaction_id": cid,
            "payload": utterance}  # fmt: skip


def test_ingest_is_answered_while_a_slow_receiver_holds_a_delivery(start_server: Callable[..., LiveServer]) -> None:
    """Before: the worker held the database's write lock across the POST, so on SQLite ingest waited for the
    receiver (then 500 "database is locked"). Now the POST runs with no transaction open."""
    slow = Receiver(hold=True)
    try:
        server = start_server(sweep=True, webhook_urls=[f"{slow.url}/hook"], delivery_timeout_seconds=60)

        def outbox() -> list[Delivery]:
            with server.app.state.callqa.sessions() as session:
                return list(session.scalars(select(Delivery).order_by(Delivery.id)))

        first = server.client.post("/v1/events", json=_rude_post(f"slow-{uuid.uuid4().hex[:6]}"))
        assert first.status_code == 202 and first.json()["alerts"]
        wait_until(lambda: slow.calls, "the delivery to reach the receiver")  # the worker now waits for its answer

        during = [
            server.client.post("/v1/events", json=_rude_post(f"during-{i}-{uuid.uuid4().hex[:6]}")) for i in (1, 2)
        ]
        assert [r.status_code for r in during] == [202, 202], "stored"
        assert all(r.json()["alerts"] for r in during), "new alerts and their outbox rows were written meanwhile"
        assert slow.answered == 0, "ingest completed while the slow post was still in progress"
        held = outbox()[0]
        assert (held.attempts, held.status, held.last_error) == (1, "pending", None), "in flight, not timed out"

        slow.release.set()
        wait_until(lambda: {d.status for d in outbox()} == {"delivered"}, "every alert delivered")
        assert [d.attempts for d in outbox()] == [1, 1, 1] and len(slow.calls) == 3, "the held post counted, once"
    finally:
        slow.stop()


# 2. A malformed URL ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://[::1/bad", "ftp://example.test/hook", "example.test:9000", "http://"])
def test_malformed_destination_urls_are_refused_at_start_up(url: str) -> None:
    with pytest.raises(ValidationError, match="webhook_urls") as refused:
        Settings(webhook_urls=["https://ok.example.test/hook", url])
    assert repr(url) in str(refused.value)
    with pytest.raises(ValidationError, match="alertmanager_url"):
        Settings(alertmanager_url=url)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_command_line_names_the_bad_setting(database_url: str) -> None:
    env = {**os.environ, "CALLQA_DATABASE_URL": database_url, "CALLQA_WEBHOOK_URLS": '["http://[::1/bad"]'}
    out = subprocess.run([CALLQA, "serve"], capture_output=True, text=True, env=env)
    assert out.returncode == 2
    assert "invalid CALLQA_WEBHOOK_URLS: 'http://[::1/bad' is not a valid URL" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_failing_delivery_fails_alone_with_backoff(
    runtime_of: Callable[..., Runtime], receiver: Receiver, worker: Worker
) -> None:
    """A row whose URL httpx refuses (one queued before the setting was fixed) is recorded with its reason and
    retried later; the good receiver gets its delivery once."""
    runtime = runtime_of()
    bad, good = "http://[::1/bad", f"{receiver.url}/hook"
    pipeline = replace(runtime.pipeline, destinations=Destinations((bad, good)))
    runtime = replace(runtime, pipeline=pipeline)
    raise_alert(runtime, "bad-url")
    clock = Clock()
    deliver = worker(runtime, Settings(delivery_backoff_seconds=1), clock)

    for second in range(0, 40, 5):
        clock.to(second)
        deliver()

    assert receiver.keys() == [deliveries(runtime)[1].idempotency_key], "delivered once, never again"
    failing, delivered = deliveries(runtime)
    assert delivered.status == "delivered"
    assert failing.status == "pending" and 2 <= failing.attempts < 8
    assert failing.last_error and "InvalidURL" in failing.last_error
    assert failing.next_attempt_at > clock(), "backed off"


def test_a_burst_of_alerts_goes_out_in_one_tick_not_one_batch_per_tick(
    runtime_of: Callable[..., Runtime], receiver: Receiver
) -> None:
    url = f"{receiver.url}/hook"
    runtime = runtime_of(webhook_urls=[url])
    for i in range(45):  # more than two batches of 20
        raise_alert(runtime, f"burst-{i}")
    settings = Settings(webhook_urls=[url], delivery_batch=20)
    client = channels.http_client(settings)
    try:
        policy, chans = channels.policy_from(settings), channels.http_channels(settings, client)
        # A budget spent at once still sends one round; a budget no send comes near sends all that is due.
        assert deliver_backlog(runtime.sessions, chans, policy, Clock(), budget_seconds=0) == 20
        assert deliver_backlog(runtime.sessions, chans, policy, Clock(), budget_seconds=3600) == 25
    finally:
        client.close()
    assert len(receiver.keys()) == 45
    assert {d.status for d in deliveries(runtime)} == {"delivered"}


def test_a_push_that_never_gives_up_on_attempts_gives_up_after_the_retry_window(
    runtime_of: Callable[..., Runtime], worker: Worker
) -> None:
    """An open alert's Alertmanager push is not bounded by max_attempts (it must keep firing), but a destination
    that refuses every push for the whole retry window is given up on, with the last error."""
    gone = "http://127.0.0.1:9"  # nothing listens there: every push is refused at once
    settings = Settings(alertmanager_url=gone, delivery_max_attempts=3, delivery_retry_for_seconds=3600)
    runtime = runtime_of(alertmanager_url=gone)
    raise_alert(runtime, "am-gone")
    clock = Clock()
    deliver = worker(runtime, settings, clock)

    for second in range(0, 3600, 60):
        clock.to(second)
        deliver()
    (row,) = deliveries(runtime)
    assert row.status == "pending" and row.attempts > 3, "still tried past max_attempts within the window"
    for second in range(3600, 4300, 60):
        clock.to(second)
        deliver()
    (row,) = deliveries(runtime)
    assert row.status == "failed" and row.last_error and "ConnectError" in row.last_error
    attempts = row.attempts
    clock.to(90_000)
    deliver()
    assert deliveries(runtime)[0].attempts == attempts, "never tried again"


# Several workers, and a worker that dies --------------------------------------------------------------------


def test_concurrent_workers_send_each_delivery_once(
    runtime_of: Callable[..., Runtime], receiver: Receiver, worker: Worker
) -> None:
    settings = Settings(webhook_urls=[f"{receiver.url}/hook"])
    runtime = runtime_of(webhook_urls=settings.webhook_urls)
    for i in range(30):
        raise_alert(runtime, f"many-{i}")
    clock = Clock()
    deliver = worker(runtime, settings, clock)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while any(d.status == "pending" for d in deliveries(runtime)):
                deliver()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert sorted(receiver.keys()) == sorted(d.idempotency_key for d in deliveries(runtime)), "each once"
    assert {(d.status, d.attempts) for d in deliveries(runtime)} == {("delivered", 1)}


def test_a_claim_of_a_dead_worker_expires_and_its_late_result_is_ignored(
    runtime_of: Callable[..., Runtime], receiver: Receiver, worker: Worker
) -> None:
    settings = Settings(webhook_urls=[f"{receiver.url}/hook"], delivery_timeout_seconds=5)
    runtime = runtime_of(webhook_urls=settings.webhook_urls)
    raise_alert(runtime, "dead-worker")
    clock = Clock()
    (webhook, _) = channels.http_channels(settings, channels.http_client(settings))
    lease = timedelta(seconds=60)  # 4 x the longest send: 3 phases x 5 s
    stale = claim(runtime.sessions, webhook, channels.policy_from(settings), T0, T0 + lease)  # then it died
    assert len(stale) == 1
    deliver = worker(runtime, settings, clock)

    clock.to(59)
    assert deliver() == 0 and receiver.calls == [], "still claimed"
    clock.to(61)
    assert deliver() == 1 and len(receiver.calls) == 1, "sent by the next worker once the claim expired"
    release(runtime.sessions, stale, clock())  # the dead worker's late word changes nothing
    (row,) = deliveries(runtime)
    assert (row.status, row.attempts) == ("delivered", 2)


# Alertmanager keeps firing an open alert ----------------------------------------------------------------------


def test_open_alerts_are_pushed_to_alertmanager_again_until_resolved(
    runtime_of: Callable[..., Runtime], receiver: Receiver, worker: Worker
) -> None:
    settings = Settings(alertmanager_url=receiver.url, alertmanager_resend_seconds=60)
    runtime = runtime_of(alertmanager_url=receiver.url, alertmanager_resend_seconds=60)
    alert_id = raise_alert(runtime, "am")
    clock = Clock()
    deliver = worker(runtime, settings, clock)

    def pushes() -> list[dict[str, Any]]:
        return [json.loads(c["body"])[0] for c in receiver.calls]

    def ends(push: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(push["endsAt"])

    deliver()
    assert ends(pushes()[0]) == T0 + timedelta(seconds=240), "firing for four resend intervals"
    clock.to(30)
    deliver()
    assert len(pushes()) == 1
    clock.to(61)
    deliver()
    assert len(pushes()) == 2 and ends(pushes()[1]) == clock() + timedelta(seconds=240), "re-sent before it lapses"
    assert pushes()[1]["labels"] == pushes()[0]["labels"] and pushes()[1]["startsAt"] == pushes()[0]["startsAt"]

    _change(runtime, alert_id, lifecycle.acknowledge, clock.to(100))  # a newer push takes over the re-sending
    deliver()
    clock.to(170)
    deliver()
    assert len(pushes()) == 4, "one push per change and per interval, not one stream per change"

    resolved_at = _change(runtime, alert_id, lifecycle.resolve, clock.to(200))
    deliver()
    assert ends(pushes()[-1]) == resolved_at, "resolved: endsAt is when callqa resolved it"
    for second in (300, 1000):
        clock.to(second)
        deliver()
    assert len(pushes()) == 5, "nothing after the resolution"


def _change(runtime: Runtime, alert_id: int, change: Any, now: datetime) -> datetime:
    with session_scope(runtime.sessions) as session:
        alert = session.get_one(Alert, alert_id)
        change(session, alert, "ann", None, now, runtime.pipeline.destinations)
    return now
