"""One watcher per process fans alert transitions out to every open alert stream, so an idle stream costs
nothing (it waits) and a new transition is read from the database once per process, not once per stream.

How the watcher learns of a new transition, written by this process or any other sharing the database:
- PostgreSQL: LISTEN on `ALERTS_CHANNEL`; a trigger on alert_transitions NOTIFYs at each commit that adds any
  (migrations/versions/20261203_0007_alert_notify.py). A slow poll (`CALLQA_ALERT_WATCH_FALLBACK_SECONDS`) covers
  a notification lost while the listening connection was being re-opened.
- SQLite (one machine): it reads the latest transition id every `CALLQA_ALERT_WATCH_POLL_SECONDS`, one cheap
  query for all the process's streams.
Either way it polls only while at least one stream is open.
"""

import asyncio
import bisect
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service.alerts.repository import last_transition_id, transitions_after
from service.alerts.schemas import alert_doc, transition_doc
from service.db import session_scope

log = logging.getLogger(__name__)

ALERTS_CHANNEL = "callqa_alert_transitions"
_KEPT = 5000  # recent transitions kept for streams to read; one further behind reads the database itself
_PAGE = 500

Message = dict[str, Any]


def messages_after(session: Session, cursor: int) -> tuple[int, list[Message]]:
    """Every transition after `cursor` with its alert as it is now, in order, and the new cursor."""
    out: list[Message] = []
    while True:
        page = transitions_after(session, cursor, limit=_PAGE)
        for transition, alert in page:
            cursor = transition.id
            out.append({"transition": transition_doc(transition), "alert": alert_doc(alert)})
        if len(page) < _PAGE:
            return cursor, out


class AlertWatcher:
    def __init__(
        self, sessions: sessionmaker[Session], database_url: str, poll_seconds: float, fallback_seconds: float
    ) -> None:
        self._sessions = sessions
        self._listen_url = _libpq_url(database_url)
        self._poll = fallback_seconds if self._listen_url else poll_seconds
        self._changed = asyncio.Event()  # replaced (and the old one set) at every change
        self._poke = asyncio.Event()  # a NOTIFY arrived: read now
        self._streams = 0
        self._someone = asyncio.Event()  # set while at least one stream is open
        self._ids: list[int] = []  # ids of the transitions kept, ascending
        self._kept: list[Message] = []
        self._floor: int | None = None  # every transition after it is kept (None: not started)
        self._task: asyncio.Task[None] | None = None
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()

    def changed(self) -> asyncio.Event:
        """Set at the next change: take it BEFORE `since`, so a change in between is not missed."""
        return self._changed

    def since(self, cursor: int) -> tuple[int, list[Message]] | None:
        """The transitions after `cursor` (new cursor, messages), or None when they are no longer kept."""
        if self._floor is None or cursor < self._floor:
            return None
        start = bisect.bisect_right(self._ids, cursor)
        return max(cursor, self._ids[-1] if self._ids else cursor), self._kept[start:]

    @contextlib.contextmanager
    def stream(self) -> Iterator[None]:
        """Held by each open stream; the first one starts the watcher."""
        self._start()
        self._streams += 1
        self._someone.set()
        try:
            yield
        finally:
            self._streams -= 1
            if not self._streams:
                self._someone.clear()

    def _start(self) -> None:
        if self._task is not None:
            return
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._watch())
        if self._listen_url:
            poke = lambda: loop.call_soon_threadsafe(self._poke.set)  # noqa: E731
            self._listener = threading.Thread(target=self._listen, args=(poke,), daemon=True, name="alert-listen")
            self._listener.start()

    async def _watch(self) -> None:
        while self._floor is None:
            try:
                self._floor = await asyncio.to_thread(self._latest)
            except Exception:
                log.warning("alert watcher: cannot read the latest transition", exc_info=True)
                await asyncio.sleep(self._poll)
        while True:
            await self._someone.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), self._poll)
            self._poke.clear()
            try:
                await self._read()
            except Exception:  # the database is away: streams keep waiting, the next round retries
                log.warning("alert watcher: cannot read new transitions", exc_info=True)

    async def _read(self) -> None:
        cursor = self._ids[-1] if self._ids else self._floor
        assert cursor is not None
        if await asyncio.to_thread(self._latest) == cursor:
            return
        cursor, messages = await asyncio.to_thread(self._after, cursor)
        if not messages:
            return
        self._ids += [m["transition"]["id"] for m in messages]
        self._kept += messages
        if len(self._ids) > _KEPT:
            self._floor = self._ids[-_KEPT - 1]
            del self._ids[:-_KEPT], self._kept[:-_KEPT]
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _latest(self) -> int:
        with session_scope(self._sessions) as session:
            return last_transition_id(session)

    def _after(self, cursor: int) -> tuple[int, list[Message]]:
        with session_scope(self._sessions) as session:
            return messages_after(session, cursor)

    def _listen(self, poke: Callable[[], None]) -> None:
        """PostgreSQL: LISTEN on a connection of its own (outside the pool), re-opened after a failure."""
        assert self._listen_url
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._listen_url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {ALERTS_CHANNEL}")
                    poke()  # anything written while not listening
                    while not self._stop.is_set():
                        if any(True for _ in conn.notifies(timeout=1.0, stop_after=1)):
                            poke()
            except psycopg.Error:
                log.warning("alert watcher: LISTEN connection lost; re-opening", exc_info=True)
                self._stop.wait(1.0)

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._listener is not None:
            await asyncio.to_thread(self._listener.join, 5)


def _libpq_url(database_url: str) -> str | None:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
