"""The review loop's errors as HTTP answers, and the error responses its routes document."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException

from service.api.errors import BODY, problem
from service.reviews.errors import ReviewError

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem("No such case, action, dispute, calibration or interaction")}
# 422 (the common InvalidRequest) also answers values the standard or the data does not allow: an unknown root
# cause, item or metric, named in `detail`.
CHANGE: dict[int | str, dict[str, Any]] = {
    **BODY,
    **NOT_FOUND,
    409: problem("The current state does not allow this change; the message says what would"),
}
OWN: dict[int | str, dict[str, Any]] = {403: problem("An agent key on another agent's interaction")}


@contextmanager
def answered() -> Iterator[None]:
    try:
        yield
    except ReviewError as exc:
        raise HTTPException(exc.status_code, str(exc)) from exc
