"""Response shapes of the floor API, so /openapi.json documents every figure the console reads."""

from datetime import datetime

from pydantic import BaseModel, Field


class QueueTile(BaseModel):
    queue_id: str
    offered: int = Field(description="Calls offered in the live window that count for the service level.")
    answered_within_limit: int
    service_level: float | None = Field(description="answered_within_limit / offered; null with none offered.")
    target: float
    abandoned: int
    abandonment_rate: float | None
    live_calls: int
    waiting: int = Field(0, description="Calls in the queue now, not yet answered (stale ones left out).")
    oldest_waiting_seconds: float | None = None
    average_speed_of_answer_seconds: float | None = None
    average_handle_seconds: float | None = Field(None, description="Answer to end, of the window's ended calls.")
    agents_on_contacts: int = 0
    stale_calls: int = 0


class QueuesLive(BaseModel):
    window_seconds: float
    min_offered: int = Field(description="Calls offered before a service level is judged (a tile coloured).")
    stale_after_seconds: float
    items: list[QueueTile]


class AgentRow(BaseModel):
    agent_id: str
    team_id: str | None
    state: str = Field(description="talking, on_hold or idle")
    state_since: datetime | None
    seconds_in_state: float | None
    current_interaction_id: str | None
    current_queue_id: str | None
    handled: int = Field(description="Calls answered and tickets, started since `from`.")
    average_quality: float | None
    average_customer_sentiment: float | None
    stale_calls: int


class AgentsLive(BaseModel):
    from_: datetime = Field(alias="from")
    to: datetime
    items: list[AgentRow]


class TrendBucket(BaseModel):
    start: datetime
    interactions: int
    offered: int
    service_level: float | None
    compliance_checks: int
    compliance_rate: float | None
    customer_sentiment: float | None
    average_quality: float | None


class TrendTargets(BaseModel):
    service_level: float
    compliance_rate: float
    customer_sentiment: float
    quality: float


class Trends(BaseModel):
    from_: datetime = Field(alias="from")
    to: datetime
    bucket_seconds: int
    standard_version: str
    targets: TrendTargets
    buckets: list[TrendBucket]
