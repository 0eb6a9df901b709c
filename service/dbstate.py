"""When the database cannot do its job: which way (down, full, read-only, busy), and whether it can be written.

A failure is classed by the driver's own error code (SQLite's result code, PostgreSQL's SQLSTATE), never by its
text. Only conditions of the database's state are classed; a programming error (a bad statement, a constraint
that a code path should have checked) is not, and stays a 500 that someone must fix.
"""

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

Reason = Literal["unavailable", "full", "read_only", "busy"]

# How long a client should wait before it tries again (Retry-After, seconds): a lock or a failover passes in
# seconds; a full disk or a read-only database needs an operator.
RETRY_AFTER: dict[Reason, int] = {"busy": 2, "unavailable": 10, "full": 60, "read_only": 60}
_MESSAGE: dict[Reason, str] = {
    "unavailable": "the database cannot be reached",
    "full": "the database is full (disk or size limit): writes are refused",
    "read_only": "the database is read-only (or refuses this user's writes): writes are refused",
    "busy": "the database is busy (locked, or out of connections)",
}

# SQLite primary result codes (https://www.sqlite.org/rescode.html); extended codes carry them in the low byte.
_SQLITE: dict[int, Reason] = {
    5: "busy",  # SQLITE_BUSY
    6: "busy",  # SQLITE_LOCKED
    8: "read_only",  # SQLITE_READONLY
    10: "unavailable",  # SQLITE_IOERR
    13: "full",  # SQLITE_FULL
    14: "unavailable",  # SQLITE_CANTOPEN
    15: "busy",  # SQLITE_PROTOCOL: a WAL lock race, retried by the client
}
# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html): exact codes, then classes.
_PG_CODES: dict[str, Reason] = {
    "53100": "full",  # disk_full
    "25006": "read_only",  # read_only_sql_transaction (default_transaction_read_only, a hot standby)
    "42501": "read_only",  # insufficient_privilege: write grants revoked
    "57P01": "unavailable",  # admin_shutdown
    "57P02": "unavailable",  # crash_shutdown
    "57P03": "unavailable",  # cannot_connect_now (starting up, recovering)
    "3D000": "unavailable",  # invalid_catalog_name: the database is gone
    "40001": "busy",  # serialization_failure
    "40P01": "busy",  # deadlock_detected
    "55P03": "busy",  # lock_not_available
    "57014": "busy",  # query_canceled (statement_timeout)
}
_PG_CLASSES: dict[str, Reason] = {"08": "unavailable", "53": "busy", "58": "unavailable"}


@dataclass(frozen=True, slots=True)
class Unavailable:
    reason: Reason
    detail: str

    @property
    def retry_after(self) -> int:
        return RETRY_AFTER[self.reason]


def classify(exc: BaseException) -> Unavailable | None:
    """The database's condition behind `exc`, or None when `exc` is not one (a bug, bad data)."""
    reason = _reason(exc)
    return Unavailable(reason, _MESSAGE[reason]) if reason else None


def _reason(exc: BaseException) -> Reason | None:
    if isinstance(exc, PoolTimeoutError):
        return "busy"  # every pooled connection in use for pool_timeout seconds
    if isinstance(exc, DisconnectionError):
        return "unavailable"
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        return _SQLITE.get(code & 0xFF) if isinstance(code, int) else None
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _PG_CODES.get(sqlstate) or _PG_CLASSES.get(sqlstate[:2])
    if exc.connection_invalidated or type(orig).__name__ == "OperationalError":
        # psycopg raises a bare OperationalError, with no SQLSTATE, when it cannot connect at all
        return "unavailable"
    return None


# SQLite: leave this much room on the file system, or the next checkpoint (WAL -> database) may not fit.
_MIN_FREE_BYTES = 8 * 1024 * 1024


def check_writable(session: Session) -> Unavailable | None:
    """Can the database take a write now? A statement that writes (and matches no row) inside a transaction
    that is rolled back: it meets a read-only database, revoked grants or a lock, and leaves nothing behind.
    On SQLite a rolled-back write never reaches the disk, so the room left (size limit, file system) is
    checked as well."""
    try:
        session.execute(text("UPDATE api_keys SET last_used_at = last_used_at WHERE 1 = 0"))
        return _sqlite_room(session) if session.get_bind().dialect.name == "sqlite" else None
    except SQLAlchemyError as exc:
        return classify(exc) or Unavailable("unavailable", f"the database refused a write: {type(exc).__name__}")
    finally:
        session.rollback()


def _sqlite_room(session: Session) -> Unavailable | None:
    pages, limit, free = (
        session.execute(text(f"PRAGMA {pragma}")).scalar_one()
        for pragma in ("page_count", "max_page_count", "freelist_count")
    )
    if pages >= limit and free == 0:
        return Unavailable("full", f"the database is at its size limit (max_page_count {limit} pages)")
    database = session.execute(text("PRAGMA database_list")).first()
    if database is not None and database[2]:  # the main database's file ('' for an in-memory database)
        room = shutil.disk_usage(Path(database[2]).parent).free
        if room < _MIN_FREE_BYTES:
            return Unavailable("full", f"the database's file system has {room} bytes free")
    return None
