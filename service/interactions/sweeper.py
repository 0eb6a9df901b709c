"""Deadlines that pass with no new event (answer limit, first reply, required phrase): checked periodically.

Deadlines are stored on the interaction row (`next_due_at`), so a restart or another process picks them up.
"""

import asyncio
import logging

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from service.clock import utc_now
from service.db import session_scope
from service.interactions.service import Pipeline, Recorded

log = logging.getLogger(__name__)


def sweep_once(sessions: sessionmaker[Session], pipeline: Pipeline) -> Recorded:
    with session_scope(sessions) as session:
        return pipeline.rescore_due(session, utc_now())


async def run_sweeper(sessions: sessionmaker[Session], pipeline: Pipeline, interval: float) -> None:
    while True:
        try:
            done = await run_in_threadpool(sweep_once, sessions, pipeline)
            if done.alerts:
                log.info("deadline sweep raised %d alert(s)", len(done.alerts))
        except Exception:  # keep sweeping: a failed sweep is retried on the next tick
            log.exception("deadline sweep failed")
        await asyncio.sleep(interval)
