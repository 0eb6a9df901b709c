"""Work that runs with no request or record to trigger it: deadlines passing with no new event, window and
control-limit rules, escalations, and alert deliveries (webhooks, Alertmanager and, for `callqa consume`, the
alerts topic), all from the outbox after the commit. Every job keeps its state in the database and locks what it
works on, so a restart or a second process carries on where the last one stopped.

One set of jobs, two schedulers: asyncio tasks in the API process (`start_tasks`), and a thread of its own in
`callqa consume` (`JobsThread`), so a slow webhook never holds up consumption. `callqa consume` also sends its
alerts to the Kafka topic from a thread of their own (`Prompted`), woken as soon as a batch, a deadline sweep or a
window rule that raised alerts commits rather than on the next tick, and never queued behind a slow webhook.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from service.alerts import channels
from service.alerts.delivery import Channel, DeliveryPolicy, deliver_backlog
from service.alerts.evaluator import evaluate
from service.clock import Clock
from service.config import Settings
from service.db import session_scope
from service.interactions.repository import window_rows
from service.interactions.service import Pipeline
from service.reviews.service import sweep as review_sweep

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    interval: float
    run: Callable[[], None]


@dataclass(frozen=True, slots=True)
class Jobs:
    sessions: sessionmaker[Session]
    pipeline: Pipeline
    policy: DeliveryPolicy
    channels: Sequence[Channel]
    clock: Clock
    client: httpx.Client | None = None  # the HTTP channels' connection pool, closed with the jobs
    # Called once a job's alerts are committed (`callqa consume` wakes its flush to the alerts topic).
    on_raised: Callable[[], None] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        sessions: sessionmaker[Session],
        pipeline: Pipeline,
        clock: Clock,
        on_raised: Callable[[], None] | None = None,
    ) -> "Jobs":
        client = channels.http_client(settings)
        http = channels.http_channels(settings, client)
        return cls(sessions, pipeline, channels.policy_from(settings), http, clock, client, on_raised)

    def timetable(self, settings: Settings) -> list[Job]:
        return [
            Job("deadlines", settings.sweep_interval_seconds, self.deadlines),
            Job("alert rules", settings.aggregate_interval_seconds, self.alert_rules),
            Job("deliveries", delivery_interval(settings), self.deliveries),
            Job("reviews", settings.sweep_interval_seconds, self.reviews),
        ]

    def deadlines(self) -> None:
        with session_scope(self.sessions) as session:
            raised = self.pipeline.rescore_due(session, self.clock()).alerts
        self._committed(bool(raised))

    def alert_rules(self) -> None:
        with session_scope(self.sessions) as session:
            now = self.clock()
            standard = self.pipeline.standard_at(session, now)
            opened = evaluate(session, standard, now, self.pipeline.destinations, window_rows)
        self._committed(bool(opened))

    def _committed(self, raised: bool) -> None:
        if raised and self.on_raised is not None:
            self.on_raised()

    def reviews(self) -> None:
        """Issue 13: breaches open review cases, late reviews alert, corrective actions are checked."""
        with session_scope(self.sessions) as session:
            now = self.clock()
            done = review_sweep(session, self.pipeline.standard_at(session, now), now, self.pipeline.destinations)
        if done.opened or done.overdue or done.verified:
            log.info("review cases opened %s, overdue %s; actions checked %s", done.opened, done.overdue, done.verified)

    def deliveries(self, only: Sequence[Channel] | None = None) -> None:
        """Due deliveries on every channel, or `only` on those; in short transactions of their own."""
        deliver_backlog(self.sessions, self.channels if only is None else only, self.policy, self.clock)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def delivery_interval(settings: Settings) -> float:
    """How often due deliveries are looked for: retries are due after `delivery_backoff_seconds` at the earliest."""
    return min(1.0, settings.delivery_backoff_seconds)


def _run(job: Job) -> None:
    try:
        job.run()
    except Exception:  # keep going: the job retries on the next tick, its state is in the database
        log.exception("background job %s failed, retried in %gs", job.name, job.interval)


async def _every(job: Job) -> None:
    while True:
        await run_in_threadpool(_run, job)
        await asyncio.sleep(job.interval)


def start_tasks(jobs: Jobs, settings: Settings) -> list[asyncio.Task[None]]:
    """The asyncio scheduler (the API process): one task per job, each in the thread pool."""
    return [asyncio.create_task(_every(job)) for job in jobs.timetable(settings)]


class JobsThread(threading.Thread):
    """The thread scheduler (`callqa consume`): every job in turn when due."""

    def __init__(self, jobs: Jobs, settings: Settings) -> None:
        super().__init__(name="callqa-jobs", daemon=True)
        self.jobs = jobs
        self.timetable = jobs.timetable(settings)
        self.stop = threading.Event()

    def run(self) -> None:
        due = dict.fromkeys(range(len(self.timetable)), 0.0)
        while not self.stop.is_set():
            for i, job in enumerate(self.timetable):
                if time.monotonic() >= due[i] and not self.stop.is_set():
                    due[i] = time.monotonic() + job.interval
                    _run(job)
            self.stop.wait(max(min(due.values()) - time.monotonic(), 0.05))
        self.jobs.close()

    def close(self, timeout: float = 15) -> None:
        self.stop.set()
        if self.is_alive():
            self.join(timeout)


class Prompted(threading.Thread):
    """One job in a thread of its own, run as soon as `wake()` is called (a commit queued work for it) and at the
    latest every `job.interval` (retries, and work queued by other processes or jobs); once more on close, so what
    the last batches queued is done before the process leaves."""

    def __init__(self, job: Job) -> None:
        super().__init__(name=f"callqa-{job.name}", daemon=True)
        self.job = job
        self.woken = threading.Event()
        self.stop = threading.Event()

    def wake(self) -> None:
        self.woken.set()

    def run(self) -> None:
        while not self.stop.is_set():
            self.woken.wait(self.job.interval)
            # Cleared before the run: a wake that comes during it is for work the run may have missed.
            self.woken.clear()
            if not self.stop.is_set():
                _run(self.job)
        _run(self.job)

    def close(self, timeout: float = 15) -> None:
        self.stop.set()
        self.woken.set()
        if self.is_alive():
            self.join(timeout)
