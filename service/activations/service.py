"""Activate a standard version at run time: its fixture cases must pass, and interactions that start from its
effective time on are judged by it (service.standards.book); those started before keep their version.

Above the scoring core (the fixtures are scored) and the standards' storage; the HTTP edge and the CLI call it.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from service.scoring.fixtures import FixtureFailure, run_fixtures
from service.standards import repository as repo
from service.standards.loader import LoadedStandard, StandardsError, parse_standard
from service.standards.models import StandardActivation
from service.standards.service import register


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
