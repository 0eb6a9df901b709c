"""Create, verify and revoke API keys. A key is `cqa_<prefix>_<secret>`; only its sha256 is stored."""

import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.auth.models import ApiKey
from service.db import MAX_INTEGER_ID, session_scope

log = logging.getLogger("callqa")
SCOPES = ("ingest", "supervise", "admin", "agent")
_TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is advisory: no write on every request


class ApiKeyError(ValueError):
    """A key operation that cannot be done (unknown key, bad scope)."""


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: int | None
    name: str
    scopes: frozenset[str]
    agent_id: str | None = None  # set on `agent` keys: the one agent whose interactions the key may see

    def allows(self, scope: str) -> bool:
        # admin may do everything; supervise may also read what ingest-only keys may not.
        return "admin" in self.scopes or scope in self.scopes

    @property
    def own_agent(self) -> str | None:
        """The agent an `agent` key is confined to (its own interactions only); None for every other key."""
        return self.agent_id if not ({"supervise", "admin"} & self.scopes) else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(
    session: Session, name: str, scopes: list[str], now: datetime, agent_id: str | None = None
) -> tuple[ApiKey, str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ApiKeyError(f"scopes must be some of {', '.join(SCOPES)}; got {', '.join(unknown) or 'none'}")
    if ("agent" in scopes) != (agent_id is not None):
        raise ApiKeyError("an 'agent' key needs agent_id (the agent it belongs to), and only an agent key takes one")
    if "agent" in scopes and len(set(scopes)) > 1:
        raise ApiKeyError("the 'agent' scope cannot be combined with other scopes")
    prefix = secrets.token_hex(4)
    token = f"cqa_{prefix}_{secrets.token_urlsafe(24)}"
    row = ApiKey(
        name=name,
        prefix=prefix,
        secret_hash=_hash(token),
        scopes=",".join(sorted(set(scopes))),
        created_at=now,
        agent_id=agent_id,
    )
    session.add(row)
    session.flush()
    return row, token


def verify(session: Session, token: str) -> Principal | None:
    """Reads only: a key is checked even while the database refuses writes (see KeyUsage)."""
    parts = token.split("_")
    if len(parts) < 3 or parts[0] != "cqa":
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _hash(token)):
        return None
    return Principal(row.id, row.name, frozenset(row.scopes.split(",")), row.agent_id)


class KeyCache:
    """Keys verified recently, so that a request does not read its key from the database every time.

    A key is trusted for `seconds` (CALLQA_KEY_CACHE_SECONDS) after it was read: one revoked through this
    process's API stops working at once (the revoke clears the cache); one revoked by another process (`callqa
    keys revoke`, another instance) within `seconds`. Only valid keys are kept (an unknown or revoked key is read
    again every time), at most `capacity` of them.
    """

    def __init__(self, sessions: sessionmaker[Session], seconds: float, capacity: int = 10_000) -> None:
        self._sessions = sessions
        self._seconds = seconds
        self._capacity = capacity
        self._kept: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> Principal | None:
        """The key's principal if it was verified less than `seconds` ago (no database read), else None."""
        kept = self._kept.get(_hash(token))
        if kept is None or time.monotonic() >= kept[1]:
            return None
        return kept[0]

    def verify(self, token: str) -> Principal | None:
        """Read from the database (see `verify`) and kept when valid."""
        with session_scope(self._sessions) as session:
            principal = verify(session, token)
        if principal is not None and self._seconds > 0:
            with self._lock:
                if len(self._kept) >= self._capacity:
                    self._kept.clear()
                self._kept[_hash(token)] = (principal, time.monotonic() + self._seconds)
        return principal

    def forget_all(self) -> None:
        """After a revocation: every key is read again."""
        with self._lock:
            self._kept.clear()


class KeyUsage:
    """Records `last_used_at`, which is advisory: at most once a minute per key and process (whether the write
    worked or not), in a transaction of its own, and a failed write (read-only, full, locked database) is
    logged, never the request's failure. Supervisors keep reading while the database refuses writes."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._tried: dict[int, datetime] = {}
        self._lock = threading.Lock()

    def due(self, key_id: int, now: datetime) -> bool:
        """Whether `last_used_at` is to be written now (see `touch`); at most once a minute per key and process."""
        with self._lock:
            tried = self._tried.get(key_id)
            if tried is not None and now - tried < _TOUCH_EVERY:
                return False
            self._tried[key_id] = now
            return True

    def touch(self, key_id: int, now: datetime) -> None:
        stale = or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - _TOUCH_EVERY)
        try:
            with session_scope(self._sessions) as session:
                session.execute(update(ApiKey).where(ApiKey.id == key_id, stale).values(last_used_at=now))
        except SQLAlchemyError as exc:
            log.warning("API key %s: last_used_at not recorded (%s)", key_id, type(exc).__name__)


def find_key(session: Session, ident: str) -> ApiKey:
    # ASCII digits only (isdigit() takes '²', which int() refuses); ids above the column's range cannot exist
    as_id = int(ident) if ident.isascii() and ident.isdecimal() else None
    row = session.get(ApiKey, as_id) if as_id is not None and as_id <= MAX_INTEGER_ID else None
    row = row or session.scalar(select(ApiKey).where(ApiKey.prefix == ident))
    if row is None:
        raise ApiKeyError(f"no API key {ident!r} (give its id or prefix)")
    return row


def revoke(session: Session, ident: str, now: datetime) -> ApiKey:
    row = find_key(session, ident)
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))
