"""The clock every test server is judged at: it starts at a fixed time, so no test depends on the day it runs,
runs on at the real rate (retries and backoffs come due), and jumps forward when a test lets time pass
(deadlines, windows) without waiting for it."""

import time
from datetime import datetime, timedelta

from tests.api.wire import BASE

# Half a day after the events tests build (tests/api/wire.py, tests/factories.py): their calls have ended and
# the 2 h ticket reply deadlines have passed, the 24 h and longer ones have not.
DEFAULT_START = BASE + timedelta(hours=12)


class TestClock:
    __test__ = False  # not a test class, despite its name

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self.start = start
        self.started = time.monotonic()
        self.skipped = timedelta()

    def __call__(self) -> datetime:
        return self.start + self.skipped + timedelta(seconds=time.monotonic() - self.started)

    def advance(self, seconds: float) -> datetime:
        self.skipped += timedelta(seconds=seconds)
        return self()
