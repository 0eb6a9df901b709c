"""Limit/offset paging shared by the list endpoints."""

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, HTTPException, Query
from pydantic import BaseModel

from service.rfc3339 import Rfc3339

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class Paging(BaseModel):
    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1, description="Items to skip")] = 0,
) -> Paging:
    return Paging(limit=limit, offset=offset)


PagingDep = Annotated[Paging, Depends(paging)]


class TimeRange(BaseModel):
    start: datetime | None
    end: datetime | None


def time_range(
    start: Annotated[Rfc3339 | None, Query(alias="from", description="RFC 3339, inclusive")] = None,
    end: Annotated[Rfc3339 | None, Query(alias="to", description="RFC 3339, exclusive")] = None,
) -> TimeRange:
    if start and end and end <= start:
        raise HTTPException(422, detail="'to' must be after 'from'")
    return TimeRange(start=start, end=end)


TimeRangeDep = Annotated[TimeRange, Depends(time_range)]


def page_of(items: list[T], total: int, p: Paging) -> Page[T]:
    nxt = p.offset + len(items)
    return Page[T](items=items, total=total, limit=p.limit, offset=p.offset, next_offset=nxt if nxt < total else None)
