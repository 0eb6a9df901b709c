"""Alert transitions and their deliveries written in bulk (lifecycle.record_many): each transition gets its own id
and its own deliveries, whether each alert changes once in the batch (found by alert) or one changes twice (in
order), on SQLite and PostgreSQL."""

from typing import Any

from sqlalchemy import select

from service.alerts.lifecycle import SYSTEM, record_many
from service.alerts.models import Alert, AlertTransition, Delivery
from service.alerts.notify import Destinations
from service.db import make_engine, make_sessionmaker, session_scope
from tests.factories import at

DESTINATIONS = Destinations(webhook_urls=("http://hooks.example/a", "http://hooks.example/b"))


def _alert(n: int) -> Alert:
    return Alert(
        dedup_key=f"i{n}:rule", rule="rule", severity="warning", state="open", subject_kind="interaction",
        subject_id=f"i{n}", interaction_id=f"i{n}", standard_version="v1", message=f"breach {n}", evidence=[],
        breached_at=at(10), raised_at=at(11),
    )  # fmt: skip


def _stored(session: Any) -> list[tuple[int, int, str | None, list[str]]]:
    """(transition id, alert id, note, delivery keys) of every transition, in id order."""
    out = []
    for t in session.scalars(select(AlertTransition).order_by(AlertTransition.id)):
        keys = session.scalars(select(Delivery.idempotency_key).where(Delivery.transition_id == t.id))
        out.append((t.id, t.alert_id, t.note, sorted(keys)))
    return out


def test_each_transition_has_its_id_and_deliveries(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        alerts = [_alert(n) for n in range(5)]
        session.add_all(alerts)
        session.flush()
        changes: list[tuple[Alert, str | None]] = [(a, f"note {a.id}") for a in reversed(alerts)]
        again: list[tuple[Alert, str | None]] = [(alerts[0], "first"), (alerts[0], "second")]
        once = record_many(session, changes, "acknowledged", "ann", at(20), DESTINATIONS)
        twice = record_many(session, again, "escalated", SYSTEM, at(21), DESTINATIONS)
    with session_scope(sessions) as session:
        stored = {t_id: (alert_id, note, keys) for t_id, alert_id, note, keys in _stored(session)}
    engine.dispose()
    assert len(stored) == 7 and twice[0].id < twice[1].id
    for t, (alert, note) in zip([*once, *twice], [*changes, *again], strict=True):
        assert stored[t.id][:2] == (alert.id, note)
        keys = stored[t.id][2]
        assert len(keys) == 2 and all(k.startswith(f"callqa-{t.id}-webhook-") for k in keys)
