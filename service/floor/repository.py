"""The rows the floor figures are computed from: one query per figure family, plain data out."""

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.floor.service import CONTACT_FIELDS, Contact
from service.interactions.models import Interaction
from service.interactions.repository import last_event_times

_I = Interaction
_COLUMNS = tuple(getattr(Interaction, f) for f in CONTACT_FIELDS)


def _contacts(session: Session, *conds: object) -> list[Contact]:
    rows = list(session.execute(select(*_COLUMNS).where(_I.status != "new", *conds)))  # type: ignore[arg-type]
    last = last_event_times(session, [r.id for r in rows if not r.final])
    return [Contact(**r._asdict(), last_event_at=last.get(r.id)) for r in rows]


def contacts_since(session: Session, start: datetime, end: datetime, *, calls_only: bool = False) -> list[Contact]:
    """Interactions started in [start, end), and every one still live whenever it started."""
    conds: list[object] = [or_(_I.final.is_(False), (_I.started_at >= start) & (_I.started_at < end))]
    if calls_only:
        conds.append(_I.kind == "call")
    return _contacts(session, *conds)


def contacts_between(
    session: Session, start: datetime, end: datetime, queue_id: str | None, team_id: str | None
) -> list[Contact]:
    conds: list[object] = [_I.started_at >= start, _I.started_at < end]
    if queue_id:
        conds.append(_I.queue_id == queue_id)
    if team_id:
        conds.append(_I.team_id == team_id)
    return _contacts(session, *conds)
