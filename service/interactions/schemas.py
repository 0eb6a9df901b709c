"""Response shapes of the interaction read API."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from service.alerts.schemas import AlertSummary


class InteractionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    status: str
    final: bool
    agent_id: str | None
    team_id: str | None
    queue_id: str | None
    started_at: datetime
    ended_at: datetime | None
    standard_version: str
    quality_score: float | None
    passed: bool | None
    critical_failure: bool
    compliance_passed: int
    compliance_failed: int
    answer_wait_seconds: float | None
    first_reply_seconds: float | None
    customer_sentiment_mean: float | None
    event_count: int
    scored_at: datetime


class TimelineEvent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    event_id: str
    type: str
    occurred_at: datetime
    received_at: datetime
    source: str
    agent_id: str | None
    payload: dict[str, Any]


class InteractionDetail(InteractionSummary):
    score: dict[str, Any]
    timeline: list[TimelineEvent]
    alerts: list[AlertSummary]
