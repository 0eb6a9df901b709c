"""Calendar buckets (day, week from Monday, month) in an IANA time zone: their bounds in Python, their keys in SQL.

The database groups rows by the key (`YYYY-MM-DD` of the bucket's first day, in the zone); Python lists every
bucket of a range, so a series has a point for each bucket, empty ones included. Both read the same calendar:
PostgreSQL with its own zone data (`AT TIME ZONE`), SQLite through callqa_local_date (Python's zoneinfo, see
service/db.py), Python with zoneinfo; a day across a daylight-saving change is 23 or 25 hours long in all three.
"""

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, literal, literal_column
from sqlalchemy.sql.elements import ColumnElement

from service.zones import check_zone, zone


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def _first_day(day: date, bucket: Bucket) -> date:
    if bucket is Bucket.WEEK:
        return day - timedelta(days=day.weekday())
    if bucket is Bucket.MONTH:
        return day.replace(day=1)
    return day


def _next(day: date, bucket: Bucket) -> date:
    if bucket is Bucket.DAY:
        return day + timedelta(days=1)
    if bucket is Bucket.WEEK:
        return day + timedelta(days=7)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def bucket_starts(start: datetime, end: datetime, bucket: Bucket, time_zone: str) -> list[datetime]:
    """The starts of the buckets that cover [start, end), local midnights in the zone, plus the end of the last.

    So `[b[i], b[i+1])` are the buckets; the range is widened to whole buckets.
    """
    tz = zone(time_zone)
    day = _first_day(start.astimezone(tz).date(), bucket)
    out = []
    while True:
        at = datetime(day.year, day.month, day.day, tzinfo=tz)
        out.append(at)
        if at >= end:
            return out
        day = _next(day, bucket)


def bucket_key(column: Any, bucket: Bucket, time_zone: str, dialect: str) -> ColumnElement[str]:
    """SQL for the `YYYY-MM-DD` first day of the bucket a UTC time column falls in, in the zone."""
    # checked first: an IANA name (letters, digits, _ + - /) is safe to quote
    name: ColumnElement[str] = literal_column(f"'{check_zone(time_zone)}'")
    if dialect == "postgresql":
        return func.to_char(func.date_trunc(bucket.value, column.op("AT TIME ZONE")(name)), "YYYY-MM-DD")
    # UTC needs no zone data: SQLite's own date functions read the stored UTC text (scrapes, scorecards add up)
    local = column if time_zone == "UTC" else func.callqa_local_date(column, name)
    if bucket is Bucket.WEEK:
        return func.date(local, "weekday 0", "-6 days")
    if bucket is Bucket.MONTH:
        return func.strftime("%Y-%m-01", local)
    return func.date(local)


def key_of(at: datetime) -> str:
    return at.date().isoformat()


def period_key(column: Any, bucket: Bucket | None, time_zone: str, dialect: str) -> ColumnElement[str]:
    """The bucket key, or '' when there are no buckets (one period over the whole range)."""
    return literal("") if bucket is None else bucket_key(column, bucket, time_zone, dialect)
