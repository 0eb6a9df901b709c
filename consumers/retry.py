"""Which failures are worth waiting out, and how long to wait between tries."""

import random

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError


class PublishError(RuntimeError):
    """The broker did not acknowledge an alert or dead letter in time (it is down or unreachable)."""


def is_transient(exc: BaseException) -> bool:
    """The database or broker is unavailable (down, restarting, network, locked): retry, never dead-letter.

    Anything else (a bug, a constraint we did not expect) is not retried: the consumer stops loudly and keeps its
    offsets, so nothing is committed past what was stored.
    """
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError | PublishError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


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
