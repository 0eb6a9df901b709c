"""The work with no record to trigger it, which `callqa serve` in Kafka mode leaves to the consumers: deadlines
passing with no new event, window and control-limit rules, and alert deliveries (webhooks, Alertmanager).

A thread of its own, so a slow webhook never holds up consumption. Each job keeps its state in the database
and locks what it works on, so several consumer processes share the work.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session, sessionmaker

from consumers.publisher import Publisher
from service.alerts.delivery import deliver_due
from service.alerts.evaluator import evaluate
from service.background import policy_from
from service.clock import utc_now
from service.config import Settings
from service.db import session_scope
from service.interactions.service import Pipeline

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Job:
    name: str
    interval: float
    run: Callable[[], None]
    due: float = 0.0


class JobsThread(threading.Thread):
    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], pipeline: Pipeline, publisher: Publisher
    ) -> None:
        super().__init__(name="callqa-jobs", daemon=True)
        self.sessions, self.pipeline, self.publisher = sessions, pipeline, publisher
        self.policy = policy_from(settings)
        self.client = httpx.Client(timeout=5.0)
        self.stop = threading.Event()
        self.jobs = [
            Job("deadlines", settings.sweep_interval_seconds, self.deadlines),
            Job("alert rules", settings.aggregate_interval_seconds, self.alert_rules),
            Job("deliveries", min(1.0, settings.delivery_backoff_seconds), self.deliveries),
        ]

    def run(self) -> None:
        while not self.stop.is_set():
            for job in self.jobs:
                if time.monotonic() >= job.due and not self.stop.is_set():
                    job.due = time.monotonic() + job.interval
                    try:
                        job.run()
                    except Exception as exc:  # retried next tick; its state is in the database
                        log.warning("background job %s failed, retried in %gs: %r", job.name, job.interval, exc)
            self.stop.wait(max(min(j.due for j in self.jobs) - time.monotonic(), 0.05))
        self.client.close()

    def close(self, timeout: float = 15) -> None:
        self.stop.set()
        if self.is_alive():
            self.join(timeout)

    # Alerts are acknowledged by the broker before the transaction commits, as in the consume loop.
    def deadlines(self) -> None:
        with session_scope(self.sessions) as session:
            now = utc_now()
            recorded = self.pipeline.rescore_due(session, now)
            self.publisher.publish([], recorded.alerts, now)

    def alert_rules(self) -> None:
        with session_scope(self.sessions) as session:
            now = utc_now()
            opened = evaluate(session, self.pipeline.standard, now, self.pipeline.destinations)
            self.publisher.publish([], opened, now)

    def deliveries(self) -> None:
        with session_scope(self.sessions) as session:
            deliver_due(session, self.client, self.policy, utc_now())
