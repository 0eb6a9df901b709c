"""Queries of source record versions. Only this module talks SQL about them."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.sources.base import RecordVersion
from service.sources.models import SourceVersion


def claim_version(session: Session, source: str, version: RecordVersion, now: datetime) -> str | None:
    """Store `version` when it is newer than the one stored (or the first); None then. Otherwise the stored
    label, and nothing changes: the copy in hand is older than, or the same as, one already taken.

    One statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE older), so two copies racing cannot both win.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    row = {
        "source": source,
        "record_key": version.key[:256],
        "version": version.version,
        "label": version.label[:64],
        "updated_at": now,
    }
    insert_row = insert(SourceVersion).values(row)
    newer = insert_row.excluded
    upsert = insert_row.on_conflict_do_update(
        index_elements=[SourceVersion.source, SourceVersion.record_key],
        set_={"version": newer.version, "label": newer.label, "updated_at": newer.updated_at},
        where=SourceVersion.version < newer.version,
    ).returning(SourceVersion.version)
    if session.execute(upsert).first() is not None:
        return None
    stored = select(SourceVersion.label).where(
        SourceVersion.source == source, SourceVersion.record_key == row["record_key"]
    )
    return session.scalar(stored) or "?"
