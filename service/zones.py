"""IANA time zones: where a centre's days, weeks and months begin (the KPI tree's and the Pareto view's buckets).

A zone is named (`Asia/Shanghai`, `America/New_York`), never a fixed UTC offset, so a bucket follows daylight
saving time: a New York day is 23 or 25 hours long twice a year. Zone data comes from the system, else from the
`tzdata` package (a dependency, so a machine without /usr/share/zoneinfo, like a slim image, has it too).
"""

import re
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError with what to write when it is none."""
    if not _NAME.match(name) or name not in _known():
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. Asia/Shanghai, America/New_York, UTC)")
    return ZoneInfo(name)


def check_zone(name: str) -> str:
    """`name` when it is an IANA time zone (a pydantic validator): safe to quote into SQL as well."""
    zone(name)
    return name


def local_date(utc: str | None, name: str) -> str | None:
    """The `YYYY-MM-DD` date in zone `name` of a UTC time as SQLite stores it (`2026-11-24 09:00:00.000000`): the
    SQL function callqa_local_date, since SQLite knows no time zones."""
    if utc is None:
        return None
    return datetime.fromisoformat(utc).replace(tzinfo=UTC).astimezone(zone(name)).date().isoformat()
