"""The review loop's errors as HTTP answers, and the error responses its routes document."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException

from service.api.errors import problem
from service.reviews.errors import ReviewError

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem("No such case, action, dispute, calibration or interaction")}
CHANGE: dict[int | str, dict[str, Any]] = {
    400: problem("The body cannot be parsed (not JSON, or a wrong content type)"),
    **NOT_FOUND,
    409: problem("The current state does not allow this change; the message says what would"),
    422: problem("A value the standard or the data does not allow (unknown root cause, item, metric, ...)"),
}
OWN: dict[int | str, dict[str, Any]] = {403: problem("An agent key on another agent's interaction")}


@contextmanager
def answered() -> Iterator[None]:
    try:
        yield
    except ReviewError as exc:
        raise HTTPException(exc.status_code, str(exc)) from exc
