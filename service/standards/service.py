"""Record each standard version that judges scores; a version may never change its content."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import insert_ignoring_conflicts
from service.standards.loader import LoadedStandard, StandardsError
from service.standards.models import StandardVersion


def register(session: Session, loaded: LoadedStandard, now: datetime) -> StandardVersion:
    """Record the version (processes starting together may race: the database keeps the first) and refuse a
    version whose content changed."""
    std = loaded.standard
    row = {
        "version": std.version, "name": std.name, "sha256": loaded.sha256, "source": loaded.source,
        "first_loaded_at": now,
    }  # fmt: skip
    insert_ignoring_conflicts(session, StandardVersion, [row], "version")
    recorded = session.get_one(StandardVersion, std.version)
    if recorded.sha256 != loaded.sha256:
        raise StandardsError(
            f"standard version {std.version!r} is already recorded with different content: "
            "scores judged by it would no longer be explainable. Give the changed file a new `version`."
        )
    return recorded


def versions(session: Session) -> list[StandardVersion]:
    return list(session.scalars(select(StandardVersion).order_by(StandardVersion.first_loaded_at)))


def recorded_sources(session: Session, versions: set[str]) -> list[tuple[str, str]]:
    """(version, the standard's source text) of these recorded versions."""
    rows = session.scalars(select(StandardVersion).where(StandardVersion.version.in_(versions)))
    return [(row.version, row.source) for row in rows]
