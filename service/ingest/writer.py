"""Group commit for POST /v1/events (in-process mode): concurrent requests share one transaction.

Each request hands its validated events to the one writer of its process and waits. The writer takes every
request waiting at that moment (up to CALLQA_INGEST_GROUP_EVENTS events), records them with one
`Pipeline.record_events` call (the per-batch bulk path the Kafka consumer uses: one lock read, one insert, one
score update for the lot) in one transaction, commits, and only then answers each request with its own outcomes.
While a group is being written the next one gathers, so a lone request waits for nothing, and under load each
commit (SQLite has one writer) is shared by many requests.

A group costs its statements once, whatever its size, so it waits a little for the senders the last commit
answered: else N concurrent senders settle into small groups that take turns, each paying the statements. It waits
for as many requests as were active at the last commit (those answered plus those waiting then), for at most
CALLQA_INGEST_GROUP_WAIT_SECONDS after the latest arrival: a lone sender never waits, and when fewer senders come
back, the next group expects one fewer. It waits only while the group holds fewer events than that: a batch spreads
the statements over its own events.

- Nothing is answered 202 before the commit that stores it; a failed transaction stores none of the group.
- A database that refuses the transaction (down, full, read-only, busy) fails every waiting request with the
  same error, which the API answers 503 with Retry-After (service.api.errors). Any other error is retried
  request by request, so that one request that breaks scoring fails alone.
"""

import asyncio
import logging
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from service.clock import Clock
from service.db import session_scope
from service.dbstate import classify
from service.events.decode import Rejection
from service.events.model import Event
from service.interactions.service import Pipeline, Recorded

log = logging.getLogger("callqa")


@dataclass(slots=True)
class _Waiting:
    items: list[Event | Rejection]
    source: str
    answer: "asyncio.Future[Recorded]" = field(repr=False)


class IngestWriter:
    """The one writer of a process's HTTP ingest. `record` is called on the event loop."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        pipeline: Pipeline,
        clock: Clock,
        max_events: int,
        gather_seconds: float = 0.0,
    ) -> None:
        self._sessions = sessions
        self._pipeline = pipeline
        self._clock = clock
        self._max_events = max_events
        self._gather_seconds = gather_seconds
        self._waiting: list[_Waiting] = []
        self._writing: asyncio.Task[None] | None = None
        self._arrival: asyncio.Future[None] | None = None  # while gathering: set by the next request to come
        self._active = 0  # requests answered by the last commit plus those waiting then: the senders to expect

    async def record(self, items: Sequence[Event | Rejection], source: str) -> Recorded:
        """The request's items recorded and committed (with those of the requests waiting beside it)."""
        answer: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(list(items), source, answer))
        if self._arrival is not None and not self._arrival.done():
            self._arrival.set_result(None)
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._drain())
        return await answer

    async def _drain(self) -> None:
        while self._waiting:
            await self._gather()
            group = self._next_group()
            if not group:
                continue
            try:
                answers = await run_in_threadpool(self._write, group)
            except Exception as exc:
                if classify(exc) is None and len(group) > 1:
                    log.warning("a group of %d ingest requests failed (%r): writing them one by one", len(group), exc)
                    for one in group:
                        await self._write_alone(one)
                    continue
                for waiting in group:
                    _fail(waiting, exc)
                continue
            finally:
                # senders seen at this commit; one fewer expected each commit where fewer come back
                self._active = max(len(group) + len(self._waiting), self._active - 1)
            for waiting, recorded in zip(group, answers, strict=True):
                if not waiting.answer.done():
                    waiting.answer.set_result(recorded)

    async def _gather(self) -> None:
        """Until as many events wait as requests were active at the last commit (one each, when they are single
        events), or no request came for `gather_seconds` (each arrival restarts the wait: taking requests in costs
        time too). A group that already holds that many events spreads its statements over as many as a group of
        every sender's single event would: batches never wait (waiting for them cost 20% of their rate)."""
        if self._gather_seconds <= 0:
            return
        loop = asyncio.get_running_loop()
        while sum(len(w.items) for w in self._waiting) < min(self._active, self._max_events):
            self._arrival = loop.create_future()
            try:
                async with asyncio.timeout(self._gather_seconds):
                    await self._arrival
            except TimeoutError:
                return
            finally:
                self._arrival = None

    def _next_group(self) -> list[_Waiting]:
        """The requests waiting now, oldest first, up to the event limit (always at least one); a request whose
        client went away before its turn is left out."""
        group: list[_Waiting] = []
        events = 0
        while self._waiting:
            waiting = self._waiting[0]
            if group and events + len(waiting.items) > self._max_events:
                break
            self._waiting.pop(0)
            if waiting.answer.done():
                continue
            group.append(waiting)
            events += len(waiting.items)
        return group

    async def _write_alone(self, waiting: _Waiting) -> None:
        try:
            [recorded] = await run_in_threadpool(self._write, [waiting])
        except Exception as exc:
            _fail(waiting, exc)
        else:
            if not waiting.answer.done():
                waiting.answer.set_result(recorded)

    def _write(self, group: list[_Waiting]) -> list[Recorded]:
        """One transaction for the group (off the event loop); each request's part of what was recorded."""
        items: list[Event | Rejection] = []
        sources: list[str] = []
        offsets: list[int] = []
        for waiting in group:
            offsets.append(len(items))
            items.extend(_shifted(waiting.items, len(items)))
            sources.extend([waiting.source] * len(waiting.items))
        now: datetime = self._clock()
        with session_scope(self._sessions) as session:
            recorded = self._pipeline.record_events(session, items, sources, now)
        if len(group) == 1:
            return [recorded]
        indexes = [o.index for o in recorded.outcomes]  # sorted: one outcome per item, in order
        return [_part(recorded, indexes, start, len(w.items)) for start, w in zip(offsets, group, strict=True)]


def _fail(waiting: _Waiting, exc: Exception) -> None:
    if not waiting.answer.done():
        waiting.answer.set_exception(exc)


def _shifted(items: list[Event | Rejection], offset: int) -> list[Event | Rejection]:
    """A rejection's index is its place in its request; in the group it is its place in the group."""
    if offset == 0:
        return items
    return [replace(i, index=i.index + offset) if isinstance(i, Rejection) else i for i in items]


def _part(recorded: Recorded, indexes: list[int], start: int, size: int) -> Recorded:
    """One request's outcomes (indexed within the request again) and the alerts and scores of its interactions."""
    mine = recorded.outcomes[bisect_left(indexes, start) : bisect_left(indexes, start + size)]
    if start:
        mine = [replace(o, index=o.index - start) for o in mine]
    touched = {o.interaction_id for o in mine if o.status == "accepted"}
    return Recorded(
        outcomes=mine,
        scores=[s for s in recorded.scores if s.interaction_id in touched],
        alerts=[a for a in recorded.alerts if a.interaction_id in touched],
        withdrawn=[a for a in recorded.withdrawn if a.interaction_id in touched],
    )
