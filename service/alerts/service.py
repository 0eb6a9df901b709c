"""Raise alerts for breaches, idempotently: the same breach of the same interaction is one alert."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.alerts.lifecycle import opened
from service.alerts.models import Alert
from service.alerts.notify import Destinations
from service.db import insert_ignoring_conflicts
from service.scoring.types import Breach, InteractionScore, evidence_dicts


def dedup_key(interaction_id: str, breach: Breach) -> str:
    return f"{interaction_id}:{breach.key}"


def raise_alerts(
    session: Session,
    score: InteractionScore,
    breaches: Sequence[Breach],
    now: datetime,
    destinations: Destinations,
) -> list[Alert]:
    """Insert the alerts not raised before, open them (transition + deliveries); returns only the new ones."""
    rows = [
        {
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
        for b in breaches
    ]
    new_keys = insert_ignoring_conflicts(session, Alert, rows, "dedup_key")
    if not new_keys:
        return []
    alerts = list(session.scalars(select(Alert).where(Alert.dedup_key.in_(new_keys)).order_by(Alert.id)))
    opened(session, alerts, now, destinations)
    return alerts
