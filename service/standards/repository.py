"""Queries on standard versions and their activations."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.standards.models import StandardActivation, StandardVersion


def activations(session: Session) -> list[StandardActivation]:
    """Every activation, in the order they were made."""
    return list(session.scalars(select(StandardActivation).order_by(StandardActivation.id)))


def versions_named(session: Session, names: Iterable[str]) -> list[StandardVersion]:
    wanted = sorted(set(names))
    if not wanted:
        return []
    return list(session.scalars(select(StandardVersion).where(StandardVersion.version.in_(wanted))))


def version_names(session: Session) -> set[str]:
    return set(session.scalars(select(StandardVersion.version)))


def all_versions(session: Session) -> list[StandardVersion]:
    return list(session.scalars(select(StandardVersion).order_by(StandardVersion.first_loaded_at)))


def is_activated(session: Session, version: str) -> bool:
    stmt = select(StandardActivation.id).where(StandardActivation.version == version).limit(1)
    return session.scalar(stmt) is not None


def add_activation(
    session: Session, version: str, effective_at: datetime, by: str, now: datetime
) -> StandardActivation:
    row = StandardActivation(version=version, effective_at=effective_at, activated_at=now, activated_by=by)
    session.add(row)
    session.flush()
    forget_stamp(session)
    return row


# Read on every ingest call: a fixed text (no statement to build, no cache key to compute), three index lookups.
_STAMP = text(
    "SELECT (SELECT count(*) FROM standard_activations), (SELECT coalesce(max(id), 0) FROM standard_activations), "
    "(SELECT count(*) FROM standard_versions)"
)
_KNOWN = "callqa_standards_stamp"  # on a SQLite connection's info: (its data_version, the stamp read at it)


def stamp(session: Session) -> tuple[int, ...]:
    """Changes whenever an activation or a version is added or removed: one cheap statement instead of reading
    them all. On SQLite not even that while the file is unchanged: `PRAGMA data_version` (a counter, no read)
    moves when another connection commits, and this connection's own writes of standards forget what it read."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return tuple(session.execute(_STAMP).one())
    version = connection.connection.driver_connection.execute("PRAGMA data_version").fetchone()[0]  # type: ignore[union-attr]
    known = connection.info.get(_KNOWN)
    if known is not None and known[0] == version:
        return known[1]  # type: ignore[no-any-return]
    found = tuple(session.execute(_STAMP).one())
    connection.info[_KNOWN] = (version, found)
    return found


def forget_stamp(session: Session) -> None:
    """After this session wrote a version or an activation: the next stamp is read again."""
    session.connection().info.pop(_KNOWN, None)
