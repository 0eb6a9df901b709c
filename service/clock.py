"""The one place callqa reads the wall clock; the scoring core is always handed `now`."""

from collections.abc import Callable
from datetime import UTC, datetime

# What every entry point is handed instead of reading the clock itself, so tests (and replays) choose the time.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
