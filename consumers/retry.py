"""Which failures are worth waiting out, and how long to wait between tries."""

import random

from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from consumers.dead_letter import DeadLetterLimitExceeded


class PublishError(RuntimeError):
    """The broker did not acknowledge an alert or dead letter in time (it is down or unreachable)."""


def is_transient(exc: BaseException) -> bool:
    """The database or broker is unavailable (down, restarting, network, locked): retry, never dead-letter.

    Anything else is not retried: see is_record_error.
    """
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError | PublishError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def is_record_error(exc: BaseException) -> bool:
    """A record's content may be what failed: JSON too deep to decode (RecursionError), an integer too long to
    convert (ValueError), an adapter tripping on a wrongly typed field (AttributeError, TypeError, ...), a value the
    database refuses (DataError: a NUL in text on PostgreSQL, a number out of range; a lone surrogate fails to encode).
    The batch is then retried record by record, and a record that fails alone is a dead letter: never met again.

    Not the record's doing, so the consumer stops loudly with its offsets where they were: an unavailable database
    or broker (transient, retried), the dead-letter limit, and any other database error (a missing table, a
    constraint we did not expect: a bad deploy, not a bad record).
    """
    if is_transient(exc) or isinstance(exc, DeadLetterLimitExceeded):
        return False
    return isinstance(exc, DataError) or not isinstance(exc, DBAPIError)


class Backoff:
    """Exponential backoff with jitter (so several consumers do not hammer a recovering database in step)."""

    def __init__(self, initial: float = 0.2, maximum: float = 10.0) -> None:
        self.initial = initial
        self.maximum = maximum
        self._next = initial

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.maximum)
        return delay * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        self._next = self.initial
