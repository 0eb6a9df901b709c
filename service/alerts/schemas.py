"""The alert as it leaves callqa, declared once: the full shape (the alert API, the alerts topic, webhooks, the
live stream) and the summary (ingest answers, an interaction's alerts). Every other shape derives from them."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from service.alerts.models import Alert, AlertTransition


class AlertSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    rule: str
    item: str | None = None
    severity: str
    state: str
    message: str
    breached_at: datetime


class AlertOut(AlertSummary):
    subject_kind: str
    subject_id: str | None
    interaction_id: str | None
    agent_id: str | None
    team_id: str | None
    queue_id: str | None
    standard_version: str
    evidence: list[dict[str, Any]]
    value: float | None
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    escalated_at: datetime | None


class TransitionOut(BaseModel):
    """One change of an alert's state: who, when, from and to what, with their note."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    alert_id: int
    from_state: str | None
    to_state: str
    actor: str
    note: str | None
    at: datetime


class AlertDetail(AlertOut):
    history: list[TransitionOut]


def alert_doc(alert: Alert) -> dict[str, Any]:
    """The full alert as JSON-ready data (times in RFC 3339)."""
    return AlertOut.model_validate(alert).model_dump(mode="json")


def summary_doc(alert: Alert) -> dict[str, Any]:
    return AlertSummary.model_validate(alert).model_dump(mode="json")


def transition_doc(transition: AlertTransition) -> dict[str, Any]:
    return TransitionOut.model_validate(transition).model_dump(mode="json")
