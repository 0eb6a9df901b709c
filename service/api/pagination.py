"""Paging shared by the list endpoints: a cursor (keyset: as fast on page 10,000 as on page 1), or the older
limit/offset; the total only when asked (counting every match costs as much as reading them all), and counted up
to a cap (`CALLQA_LIST_TOTAL_CAP`) so that asking stays cheap on a year of history."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, HTTPException, Query
from pydantic import BaseModel, Field

from service.api.deps import StateDep
from service.db import MAX_INTEGER_ID, Window
from service.events.schemas import UtcTime

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    next_offset: int | None = Field(description="`offset` of the next page (null on the last one)")
    next_cursor: str | None = Field(
        None, description="`cursor` of the next page (null on the last one): prefer it, it stays fast however deep"
    )
    total: int | None = Field(
        None,
        description="How many items match, only when asked with `total=true`; counted up to "
        "`CALLQA_LIST_TOTAL_CAP` (then `total` is the cap and `total_capped` is true: at least that many match)",
    )
    total_capped: bool | None = Field(None, description="With `total=true`: more items match than `total` says")


class Paging(BaseModel):
    limit: int
    offset: int
    cursor: str | None = None
    total: bool = False
    total_cap: int | None = None

    def window(self, *parsers: Callable[[Any], Any]) -> Window:
        """What the repository reads; the cursor's values are checked with `parsers` (one per sort key)."""
        after = None
        if self.cursor is not None:
            try:
                values = json.loads(base64.urlsafe_b64decode(self.cursor.encode()))
                if not isinstance(values, list) or len(values) != len(parsers):
                    raise ValueError("wrong shape")
                after = tuple(parse(v) for parse, v in zip(parsers, values, strict=True))
            except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
                raise HTTPException(422, detail="cursor: not a cursor this list gave (use next_cursor)") from None
        return Window(limit=self.limit, offset=self.offset, after=after, count=self.total, count_cap=self.total_cap)


def row_id(value: Any) -> int:
    """A cursor value that is a row id."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INTEGER_ID:
        raise ValueError("not a row id")
    return value


def utc_time(value: Any) -> datetime:
    """A cursor value that is a time with its offset."""
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("no offset")
    return at


def text_key(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 256:
        raise ValueError("not a key")
    return value


def paging(
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_INTEGER_ID, description="Items to skip (prefer `cursor`)")] = 0,
    cursor: Annotated[
        str | None, Query(max_length=512, pattern=r"^[A-Za-z0-9_=-]+$", description="`next_cursor` of the last page")
    ] = None,
    total: Annotated[bool, Query(description="Also count every matching item (slower on a long history)")] = False,
) -> Paging:
    if cursor is not None and offset:
        raise HTTPException(422, detail="cursor: give either cursor or offset, not both")
    return Paging(limit=limit, offset=offset, cursor=cursor, total=total, total_cap=state.settings.list_total_cap)


PagingDep = Annotated[Paging, Depends(paging)]


class TimeRange(BaseModel):
    start: datetime | None
    end: datetime | None


def time_range(
    start: Annotated[UtcTime | None, Query(alias="from", description="RFC 3339, inclusive")] = None,
    end: Annotated[UtcTime | None, Query(alias="to", description="RFC 3339, exclusive")] = None,
) -> TimeRange:
    if start and end and end <= start:
        raise HTTPException(422, detail="'to' must be after 'from'")
    return TimeRange(start=start, end=end)


TimeRangeDep = Annotated[TimeRange, Depends(time_range)]


def page_of(items: list[T], p: Paging, more: bool, total: int | None, last_key: Sequence[str | int] | None) -> Page[T]:
    """`more`: the repository saw a row past this page; `last_key`: the last item's sort key (for the cursor)."""
    cursor = base64.urlsafe_b64encode(json.dumps(list(last_key)).encode()).decode() if more and last_key else None
    capped = None if total is None else p.total_cap is not None and total > p.total_cap
    return Page[T](
        items=items,
        limit=p.limit,
        offset=p.offset,
        next_offset=p.offset + len(items) if more else None,
        next_cursor=cursor,
        total=p.total_cap if capped else total,
        total_capped=capped,
    )
