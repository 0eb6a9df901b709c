"""Create, verify and revoke API keys. A key is `cqa_<prefix>_<secret>`; only its sha256 is stored."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import ApiKey
from service.db import MAX_INTEGER_ID

SCOPES = ("ingest", "supervise", "admin")
_TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is advisory: no write on every request


class ApiKeyError(ValueError):
    """A key operation that cannot be done (unknown key, bad scope)."""


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: int | None
    name: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        # admin may do everything; supervise may also read what ingest-only keys may not.
        return "admin" in self.scopes or scope in self.scopes


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(session: Session, name: str, scopes: list[str], now: datetime) -> tuple[ApiKey, str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ApiKeyError(f"scopes must be some of {', '.join(SCOPES)}; got {', '.join(unknown) or 'none'}")
    prefix = secrets.token_hex(4)
    token = f"cqa_{prefix}_{secrets.token_urlsafe(24)}"
    row = ApiKey(
        name=name, prefix=prefix, secret_hash=_hash(token), scopes=",".join(sorted(set(scopes))), created_at=now
    )
    session.add(row)
    session.flush()
    return row, token


def verify(session: Session, token: str, now: datetime) -> Principal | None:
    parts = token.split("_")
    if len(parts) < 3 or parts[0] != "cqa":
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _hash(token)):
        return None
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
        row.last_used_at = now
    return Principal(row.id, row.name, frozenset(row.scopes.split(",")))


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
