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
    return row


# Read on every ingest call: a fixed text (no statement to build, no cache key to compute), three index lookups.
_STAMP = text(
    "SELECT (SELECT count(*) FROM standard_activations), (SELECT coalesce(max(id), 0) FROM standard_activations), "
    "(SELECT count(*) FROM standard_versions)"
)


def stamp(session: Session) -> tuple[int, ...]:
    """Changes whenever an activation or a version is added or removed: one cheap statement instead of reading
    them all."""
    return tuple(session.execute(_STAMP).one())
