"""Response shapes of the alert API."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    rule: str
    item: str | None = None
    severity: str
    state: str
    interaction_id: str | None
    agent_id: str | None
    team_id: str | None
    queue_id: str | None
    standard_version: str
    message: str
    evidence: list[dict[str, Any]]
    breached_at: datetime
    raised_at: datetime
