"""Record each standard version that judges scores (a version may never change its content), and keep a
process's StandardBook in step with the database's activations (made by service.activations)."""

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from service.db import insert_ignoring_conflicts
from service.standards import repository as repo
from service.standards.book import Activation, StandardBook
from service.standards.loader import LoadedStandard, StandardsError, parse_standard
from service.standards.models import StandardVersion

log = logging.getLogger("callqa")


def register(session: Session, loaded: LoadedStandard, now: datetime) -> StandardVersion:
    """Record the version (processes starting together may race: the database keeps the first) and refuse a
    version whose content changed."""
    std = loaded.standard
    row = {
        "version": std.version, "name": std.name, "sha256": loaded.sha256, "source": loaded.source,
        "first_loaded_at": now,
    }  # fmt: skip
    if insert_ignoring_conflicts(session, StandardVersion, [row], "version"):
        repo.forget_stamp(session)
    recorded = session.get_one(StandardVersion, std.version)
    if recorded.sha256 != loaded.sha256:
        raise StandardsError(
            f"standard version {std.version!r} is already recorded with different content: "
            "scores judged by it would no longer be explainable. Give the changed file a new `version`."
        )
    return recorded


def register_at_start(session: Session, loaded: LoadedStandard, now: datetime) -> None:
    """A process starts with its standards file. A version never activated before (a new file, a new database)
    is activated from now; a known one changes nothing, so a restart never undoes an activation made at run
    time."""
    register(session, loaded, now)
    if not repo.is_activated(session, loaded.standard.version):
        repo.add_activation(session, loaded.standard.version, now, "startup", now)


def refresh(session: Session, book: StandardBook) -> None:
    """Bring `book` up to the database: its activations, and every recorded version (an interaction keeps the
    version it was judged by, whichever is in force). One tiny query when nothing was added since the last
    refresh (every ingest call makes one); else two small ones more; a version's text is parsed once."""
    stamp = repo.stamp(session)
    if stamp == book.stamp:
        return
    rows = repo.activations(session)
    missing = repo.version_names(session) - book.known()
    parsed = {v.version: parse_standard(v.source, f"standard version {v.version!r}").standard
              for v in repo.versions_named(session, missing)}  # fmt: skip
    before = book.timeline
    book.update([Activation(r.version, r.effective_at) for r in rows], parsed)
    book.stamp = stamp
    if len(book.timeline) != len(before):
        log.info("standard activations: %s", ", ".join(f"{a.version} from {a.effective_at}" for a in book.timeline))


def recorded_sources(session: Session, versions: set[str]) -> list[tuple[str, str]]:
    """(version, the standard's source text) of these recorded versions."""
    return [(row.version, row.source) for row in repo.versions_named(session, versions)]
