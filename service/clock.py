"""The one place callqa reads the wall clock; the scoring core is always handed `now`."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
