"""Path and query parameters shared by the endpoints, with their bounds in the OpenAPI document: a value out of
bounds is answered 422 naming the parameter before any query runs."""

from typing import Annotated

from fastapi import Path, Query

from service.db import MAX_INTEGER_ID
from service.events.schemas import ID_MAX_LENGTH, ID_PATTERN

IdPath = Annotated[str, Path(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)]
IdFilter = Annotated[str | None, Query(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN)]
RowIdPath = Annotated[int, Path(ge=1, le=MAX_INTEGER_ID)]
