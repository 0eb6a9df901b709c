"""The delivery worker: sends due outbox rows through their channel (signed webhooks, Alertmanager pushes, the
Kafka alerts topic) and retries failures with exponential backoff. Each row carries an idempotency key the
receiver can dedupe on: delivery is at least once.

No network call is made inside a database transaction (a slow receiver must never hold the write lock that
ingest needs): due rows are claimed in one short transaction (their next_attempt_at moved to the end of a lease,
attempts counted), sent with no transaction open, and each result is recorded in a short transaction of its own.
A process that dies while sending leaves its claims to expire; another process sends them again. A result is
recorded only while the row still carries the claim (its attempt number), so a late result of an expired claim
never overwrites a newer one.

A channel that can send many rows at once (`BatchChannel`: the Kafka alerts topic) gets the whole claim in one
call (all produced, then all acknowledgements awaited together) and its results are recorded in one transaction:
a burst of alerts costs one round trip and one commit, not one per alert.
"""

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session, sessionmaker

from service.alerts import repository as repo
from service.alerts.models import Alert, AlertTransition, Delivery
from service.db import session_scope

log = logging.getLogger(__name__)

_MAX_BACKOFF = timedelta(minutes=5)
_LEASE_PER_SEND = 4  # a claim lasts this many times the longest send of its channel


@dataclass(frozen=True, slots=True)
class Message:
    """What a channel renders from the database; sending needs nothing more."""

    body: bytes
    key: bytes | None = None  # Kafka's partition key
    refresh_after: timedelta | None = None  # once delivered, due again after this (Alertmanager, alert still open)
    gives_up: bool = True  # False: not bounded by max_attempts, but by the policy's retry window


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed delivery. `attempt` is the claim: its result is recorded only while the row still carries it."""

    id: int
    attempt: int
    url: str
    idempotency_key: str
    event: str  # alert.open | alert.acknowledged | alert.escalated | alert.resolved
    message: Message
    failing_since: datetime  # the last successful send, else the alert change: where the retry window starts


class Channel(Protocol):
    """One kind of destination (`Delivery.destination`)."""

    @property
    def destination(self) -> str: ...

    @property
    def send_timeout(self) -> float:
        """Seconds one send may take at most: a claim outlasts it."""
        ...

    def render(self, delivery: Delivery, transition: AlertTransition, alert: Alert, now: datetime) -> Message: ...

    def send(self, out: Outgoing, now: datetime) -> None:
        """Raises on any failure; returns once the destination has accepted the message."""


@runtime_checkable
class BatchChannel(Channel, Protocol):
    """A channel that sends a whole claim at once."""

    def send_batch(self, outs: Sequence[Outgoing], now: datetime) -> list[Exception | None]:
        """Each row's failure, or None once the destination has accepted it; returns within `send_timeout`.
        Raises when nothing could be sent (every row then fails with that reason)."""


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    max_attempts: int
    backoff_seconds: float
    retry_for: timedelta = timedelta(days=1)  # deliveries that do not give up after max_attempts: for this long
    batch: int = 20  # rows claimed per channel per round (CALLQA_DELIVERY_BATCH)


def deliver_due(
    sessions: sessionmaker[Session], channels: Sequence[Channel], policy: DeliveryPolicy, clock: Callable[[], datetime]
) -> int:
    """One round: claim, send and record what is due on every channel; returns how many were delivered."""
    delivered = 0
    for channel in channels:
        now = clock()
        lease_until = now + timedelta(seconds=_LEASE_PER_SEND * channel.send_timeout)
        claimed = claim(sessions, channel, policy, now, lease_until)
        if isinstance(channel, BatchChannel):
            delivered += _attempt_batch(sessions, channel, claimed, policy, clock)
            continue
        for i, out in enumerate(claimed):
            if clock() + timedelta(seconds=channel.send_timeout) > lease_until:
                release(sessions, claimed[i:], clock())  # a send started now could outlive its claim
                break
            delivered += _attempt(sessions, channel, out, policy, clock)
    return delivered


def deliver_backlog(
    sessions: sessionmaker[Session],
    channels: Sequence[Channel],
    policy: DeliveryPolicy,
    clock: Callable[[], datetime],
    budget_seconds: float = 5.0,
) -> int:
    """Rounds back to back while they come back full, for up to `budget_seconds` (the caller's other jobs still
    run): a burst of alerts goes out at the destinations' pace, not one batch per worker tick."""
    deadline = time.monotonic() + budget_seconds
    delivered = 0
    while True:
        sent = deliver_due(sessions, channels, policy, clock)
        delivered += sent
        if sent < policy.batch or time.monotonic() >= deadline:
            return delivered


def claim(
    sessions: sessionmaker[Session], channel: Channel, policy: DeliveryPolicy, now: datetime, lease_until: datetime
) -> list[Outgoing]:
    """Claim up to `policy.batch` due rows of one channel and render them, in one short transaction (how
    concurrent workers share the rows: repository.claim_due)."""
    with sessions() as peek:  # a read of its own first, so an idle worker never takes the write lock
        if not repo.any_due(peek, channel.destination, now):
            return []
    claimed = []
    with session_scope(sessions) as session:
        for d, t, a in repo.claim_due(session, channel.destination, now, policy.batch, lease_until):
            try:
                message = channel.render(d, t, a, now)
            except Exception as exc:  # a row that cannot be rendered fails alone, with the reason, like a send
                failed = _after_failure(d.attempts, None, _describe(d.attempts, exc), policy, now, t.at)
                repo.update_if_claimed(session, d.id, d.attempts, failed)
                continue
            event, since = f"alert.{t.to_state}", d.delivered_at or t.at
            claimed.append(Outgoing(d.id, d.attempts, d.url, d.idempotency_key, event, message, since))
    return claimed


def release(sessions: sessionmaker[Session], claimed: Iterable[Outgoing], now: datetime) -> None:
    """Give claims back unsent: due at once, and not counted as a try (a slow receiver is not a failing one)."""
    with session_scope(sessions) as session:
        for out in claimed:
            repo.update_if_claimed(session, out.id, out.attempt, {"attempts": out.attempt - 1, "next_attempt_at": now})


def _attempt(
    sessions: sessionmaker[Session],
    channel: Channel,
    out: Outgoing,
    policy: DeliveryPolicy,
    clock: Callable[[], datetime],
) -> bool:
    try:
        channel.send(out, clock())
    # Any failure of one delivery (a refused connection, a malformed URL, a broker timeout, a bug in a channel)
    # is that delivery's own: recorded on it with backoff, and the others of the round still go out.
    except Exception as exc:
        error = _describe(out.attempt, exc)
        log.warning("%s delivery %d to %s failed: %s", channel.destination, out.id, out.url, error)
        _record(sessions, out, _after_failure(out.attempt, out.message, error, policy, clock(), out.failing_since))
        return False
    _record(sessions, out, _after_success(out.message, clock()))
    return True


def _attempt_batch(
    sessions: sessionmaker[Session],
    channel: BatchChannel,
    claimed: Sequence[Outgoing],
    policy: DeliveryPolicy,
    clock: Callable[[], datetime],
) -> int:
    """Send the claim in one call, then record every result in one short transaction."""
    if not claimed:
        return 0
    try:
        failures = channel.send_batch(claimed, clock())
    except Exception as exc:  # nothing went out (no broker): every row fails with the reason
        failures = [exc] * len(claimed)
    now = clock()
    results = []
    for out, failure in zip(claimed, failures, strict=True):
        if failure is None:
            results.append((out, _after_success(out.message, now)))
            continue
        error = _describe(out.attempt, failure)
        log.warning("%s delivery %d to %s failed: %s", channel.destination, out.id, out.url, error)
        results.append((out, _after_failure(out.attempt, out.message, error, policy, now, out.failing_since)))
    with session_scope(sessions) as session:
        repo.update_all_if_claimed(session, [(out.id, out.attempt, values) for out, values in results])
    return failures.count(None)


def _record(sessions: sessionmaker[Session], out: Outgoing, values: dict[str, object]) -> None:
    with session_scope(sessions) as session:
        repo.update_if_claimed(session, out.id, out.attempt, values)


def _describe(attempt: int, exc: Exception) -> str:
    return f"attempt {attempt}: {type(exc).__name__}: {exc}"[:1000]


def _after_success(message: Message, now: datetime) -> dict[str, object]:
    done: dict[str, object] = {"delivered_at": now, "last_error": None}
    if message.refresh_after is None:
        return done | {"status": "delivered"}
    return done | {"next_attempt_at": now + message.refresh_after}


def _after_failure(
    attempt: int, message: Message | None, error: str, policy: DeliveryPolicy, now: datetime, since: datetime
) -> dict[str, object]:
    """`message` None: it could not even be rendered. A delivery that does not give up after max_attempts (the
    Kafka alerts topic, the pushes of an alert open in Alertmanager) gives up once it has failed for the retry
    window since `since` (its last successful send, else its alert change): a destination gone for good is not
    tried forever."""
    gives_up = message is None or message.gives_up
    exhausted = attempt >= policy.max_attempts if gives_up else now - since >= policy.retry_for
    if exhausted:
        return {"last_error": error, "status": "failed"}
    # The exponent is capped: a row retried for a day (Kafka, an open alert's Alertmanager push) counts on.
    delay = min(timedelta(seconds=policy.backoff_seconds * 2 ** min(attempt - 1, 20)), _MAX_BACKOFF)
    if message is not None and message.refresh_after is not None:
        delay = min(delay, message.refresh_after)
    return {"last_error": error, "next_attempt_at": now + delay}
