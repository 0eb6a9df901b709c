"""Work that runs with no request: deadlines passing with no new event, window and control-limit rules,
escalations, and alert deliveries. Every job keeps its state in the database, so a restart or a second
process carries on where the last one stopped."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from service.alerts.delivery import Channel, DeliveryPolicy, deliver_backlog
from service.alerts.evaluator import evaluate
from service.clock import Clock
from service.config import Settings
from service.db import session_scope
from service.interactions.service import Pipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Jobs:
    sessions: sessionmaker[Session]
    pipeline: Pipeline
    policy: DeliveryPolicy
    channels: Sequence[Channel]
    clock: Clock

    def deadlines(self) -> None:
        with session_scope(self.sessions) as session:
            self.pipeline.rescore_due(session, self.clock())

    def alert_rules(self) -> None:
        with session_scope(self.sessions) as session:
            evaluate(session, self.pipeline.standard, self.clock(), self.pipeline.destinations)

    def deliveries(self) -> None:
        deliver_backlog(self.sessions, self.channels, self.policy, self.clock)  # its own short transactions


async def every(seconds: float, job: Callable[[], None]) -> None:
    while True:
        try:
            await run_in_threadpool(job)
        except Exception:  # keep going: the job retries on the next tick, its state is in the database
            log.exception("background job %s failed", job.__name__)
        await asyncio.sleep(seconds)


def start(jobs: Jobs, settings: Settings) -> list[asyncio.Task[None]]:
    return [
        asyncio.create_task(every(settings.sweep_interval_seconds, jobs.deadlines)),
        asyncio.create_task(every(settings.aggregate_interval_seconds, jobs.alert_rules)),
        asyncio.create_task(every(min(1.0, settings.delivery_backoff_seconds), jobs.deliveries)),
    ]
