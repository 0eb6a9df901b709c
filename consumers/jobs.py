"""The work with no record to trigger it, which `callqa serve` in Kafka mode leaves to the consumers: deadlines
passing with no new event, window and control-limit rules, and alert deliveries (the alerts topic, webhooks,
Alertmanager), all from the outbox after the commit.

A thread of its own, so a slow webhook never holds up consumption. Each job keeps its state in the database
and locks what it works on, so several consumer processes share the work.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from consumers.publisher import AlertsChannel
from service.alerts import channels
from service.alerts.delivery import deliver_backlog
from service.alerts.evaluator import evaluate
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
        self, settings: Settings, sessions: sessionmaker[Session], pipeline: Pipeline, alerts: AlertsChannel
    ) -> None:
        super().__init__(name="callqa-jobs", daemon=True)
        self.sessions, self.pipeline, self.alerts = sessions, pipeline, alerts
        self.policy = channels.policy_from(settings)
        self.client = channels.http_client(settings)
        self.channels = [alerts, *channels.http_channels(settings, self.client)]
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
                    self._run(job.name, job.interval, job.run)
            self.stop.wait(max(min(j.due for j in self.jobs) - time.monotonic(), 0.05))
        # The alerts of the last batches, stored by now, reach the topic before the process leaves.
        self._run("alerts to Kafka", 0, lambda: deliver_backlog(self.sessions, [self.alerts], self.policy, utc_now))
        self.client.close()

    @staticmethod
    def _run(name: str, interval: float, run: Callable[[], object]) -> None:
        try:
            run()
        except Exception as exc:  # retried next tick; its state is in the database
            log.warning("background job %s failed, retried in %gs: %r", name, interval, exc)

    def close(self, timeout: float = 15) -> None:
        self.stop.set()
        if self.is_alive():
            self.join(timeout)

    def deadlines(self) -> None:
        with session_scope(self.sessions) as session:
            self.pipeline.rescore_due(session, utc_now())

    def alert_rules(self) -> None:
        with session_scope(self.sessions) as session:
            evaluate(session, self.pipeline.standard, utc_now(), self.pipeline.destinations)

    def deliveries(self) -> None:
        deliver_backlog(self.sessions, self.channels, self.policy, utc_now)  # its own short transactions
