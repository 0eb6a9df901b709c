"""Record each standard version that judges scores (a version may never change its content), activate versions
at run time, and keep a process's StandardBook in step with the database."""

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from service.db import insert_ignoring_conflicts
from service.scoring.fixtures import FixtureFailure, run_fixtures
from service.standards import repository as repo
from service.standards.book import Activation, StandardBook
from service.standards.loader import LoadedStandard, StandardsError, parse_standard
from service.standards.models import StandardActivation, StandardVersion

log = logging.getLogger("callqa")


class ActivationRefused(ValueError):
    """A version that may not be activated; `status` is the HTTP status an API answers with."""

    def __init__(self, message: str, status: int = 422, failures: tuple[FixtureFailure, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.failures = failures


@dataclass(frozen=True, slots=True)
class Activated:
    row: StandardActivation
    cases: int  # fixture cases run (all passed)
    checks: int


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


def register_at_start(session: Session, loaded: LoadedStandard, now: datetime) -> None:
    """A process starts with its standards file. A version never activated before (a new file, a new database)
    is activated from now; a known one changes nothing, so a restart never undoes an activation made at run
    time."""
    register(session, loaded, now)
    if not repo.is_activated(session, loaded.standard.version):
        repo.add_activation(session, loaded.standard.version, now, "startup", now)


def activate(session: Session, loaded: LoadedStandard, effective_at: datetime, by: str, now: datetime) -> Activated:
    """Activate a version from `effective_at` (now or later): interactions that start from then on are judged by
    it, those started before keep theirs. Refused when its fixture cases fail, when the time is past, or when
    the version is recorded with other content."""
    if effective_at < now:
        raise ActivationRefused(
            f"effective_at {effective_at.isoformat()} is before now ({now.isoformat()}): interactions already "
            "judged keep their version, so a version takes effect from now on at the earliest"
        )
    report = run_fixtures(loaded.standard)
    if not report.passed:
        raise ActivationRefused(
            f"standard version {report.version!r}: {len(report.failures)} of {report.checks} fixture checks fail",
            failures=report.failures,
        )
    try:
        register(session, loaded, now)
    except StandardsError as exc:
        raise ActivationRefused(str(exc), status=409) from exc
    row = repo.add_activation(session, loaded.standard.version, effective_at, by, now)
    return Activated(row, report.cases, report.checks)


def recorded(session: Session, version: str) -> LoadedStandard:
    """A recorded version as it was loaded (to activate it again, e.g. to roll back)."""
    rows = repo.versions_named(session, [version])
    if not rows:
        raise ActivationRefused(f"no standard version {version!r} is recorded", status=404)
    return parse_standard(rows[0].source, f"standard version {version!r}")


def refresh(session: Session, book: StandardBook) -> None:
    """Bring `book` up to the database: its activations, and every recorded version (an interaction keeps the
    version it was judged by, whichever is in force). Two small queries; a version's text is parsed once."""
    rows = repo.activations(session)
    missing = repo.version_names(session) - book.known()
    parsed = {v.version: parse_standard(v.source, f"standard version {v.version!r}").standard
              for v in repo.versions_named(session, missing)}  # fmt: skip
    before = book.timeline
    book.update([Activation(r.version, r.effective_at) for r in rows], parsed)
    if len(book.timeline) != len(before):
        log.info("standard activations: %s", ", ".join(f"{a.version} from {a.effective_at}" for a in book.timeline))
