"""Raise alerts for breaches, idempotently: the same breach of the same interaction is one alert."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.alerts.lifecycle import opened
from service.alerts.models import Alert
from service.alerts.notify import Destinations
from service.db import insert_ignoring_conflicts
from service.scoring.types import Breach, InteractionScore, evidence_dicts


def dedup_key(interaction_id: str, breach: Breach) -> str:
    return f"{interaction_id}:{breach.key}"


def _row(score: InteractionScore, b: Breach, now: datetime) -> dict[str, Any]:
    return {
        "dedup_key": dedup_key(score.interaction_id, b),
        "rule": b.rule,
        "severity": b.severity,
        "state": "open",
        "subject_kind": "interaction",
        "subject_id": score.interaction_id,
        "interaction_id": score.interaction_id,
        "agent_id": score.agent_id,
        "team_id": score.team_id,
        "queue_id": score.queue_id,
        "standard_version": score.standard_version,
        "message": b.message,
        "evidence": evidence_dicts(b.evidence),
        "breached_at": b.at,
        "raised_at": now,
    }


def raise_alerts(
    session: Session,
    breaches: Sequence[tuple[InteractionScore, Sequence[Breach]]],
    now: datetime,
    destinations: Destinations,
) -> list[Alert]:
    """Insert the alerts not raised before, open them (transition + deliveries); returns only the new ones.

    A live interaction keeps breaching what it breached before on every rescore: the keys already raised are
    read once, so only new breaches are written (the unique key still settles races between processes).
    """
    candidates = {dedup_key(score.interaction_id, b): (score, b) for score, bs in breaches for b in bs}
    if not candidates:
        return []
    keys = list(candidates)
    known: set[str] = set()
    for i in range(0, len(keys), 500):
        known.update(session.scalars(select(Alert.dedup_key).where(Alert.dedup_key.in_(keys[i : i + 500]))))
    rows = [_row(score, b, now) for key, (score, b) in candidates.items() if key not in known]
    new_keys = insert_ignoring_conflicts(session, Alert, rows, "dedup_key")
    if not new_keys:
        return []
    alerts = list(session.scalars(select(Alert).where(Alert.dedup_key.in_(new_keys)).order_by(Alert.id)))
    opened(session, alerts, now, destinations)
    return alerts
