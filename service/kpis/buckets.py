"""Calendar buckets (day, week from Monday, month) at a fixed UTC offset: their bounds in Python, their keys in SQL.

The database groups rows by the key (`YYYY-MM-DD` of the bucket's first day); Python lists every bucket of a
range, so a series has a point for each bucket, empty ones included.
"""

from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import func, literal, literal_column
from sqlalchemy.sql.elements import ColumnElement


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


def bucket_starts(start: datetime, end: datetime, bucket: Bucket, offset_minutes: int) -> list[datetime]:
    """The starts of the buckets that cover [start, end), in local time at the offset, plus the end of the last.

    So `[b[i], b[i+1])` are the buckets; the range is widened to whole buckets.
    """
    tz = timezone(timedelta(minutes=offset_minutes))
    day = _first_day(start.astimezone(tz).date(), bucket)
    out = []
    while True:
        at = datetime(day.year, day.month, day.day, tzinfo=tz)
        out.append(at)
        if at >= end:
            return out
        day = _next(day, bucket)


def bucket_key(column: Any, bucket: Bucket, offset_minutes: int, dialect: str) -> ColumnElement[str]:
    """SQL for the `YYYY-MM-DD` first day of the bucket a UTC time column falls in, at the offset."""
    if dialect == "postgresql":
        local = column.op("AT TIME ZONE")(literal_column("'UTC'")) + func.make_interval(0, 0, 0, 0, 0, offset_minutes)
        return func.to_char(func.date_trunc(bucket.value, local), "YYYY-MM-DD")
    local = func.datetime(column, f"{offset_minutes:+d} minutes")
    if bucket is Bucket.WEEK:
        return func.date(local, "weekday 0", "-6 days")
    if bucket is Bucket.MONTH:
        return func.strftime("%Y-%m-01", local)
    return func.date(local)


def key_of(at: datetime) -> str:
    return at.date().isoformat()


def period_key(column: Any, bucket: Bucket | None, offset_minutes: int, dialect: str) -> ColumnElement[str]:
    """The bucket key, or '' when there are no buckets (one period over the whole range)."""
    return literal("") if bucket is None else bucket_key(column, bucket, offset_minutes, dialect)
