"""Request and response shapes of the review-case and corrective-action API."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from service.db import MAX_INTEGER_ID
from service.events.schemas import TEXT_PATTERN, Identifier, UtcTime
from service.reviews.workflow import next_statuses
from service.standards.schema import AggregateMetric, RootCause

CaseStatus = Literal["open", "investigating", "action_planned", "verified", "closed"]
Text = Annotated[str, Field(min_length=1, max_length=4000, pattern=TEXT_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=128, pattern=TEXT_PATTERN)]
RowId = Annotated[int, Field(ge=1, le=MAX_INTEGER_ID)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CaseOut(_Out):
    id: int
    subject_kind: str
    subject_id: str
    agent_id: str | None
    team_id: str | None
    queue_id: str | None
    title: str
    status: str
    assignee: str | None
    root_cause: str | None
    five_whys: list[str]
    standard_version: str
    opened_by: str
    opened_at: datetime
    due_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    overdue_alert_id: int | None

    @computed_field(description="The statuses this case may move to next (the workflow's; checks still apply)")  # type: ignore[prop-decorator]
    @property
    def next_statuses(self) -> list[str]:
        return list(next_statuses(self.status))


class LinkOut(_Out):
    kind: str
    ref: str
    linked_at: datetime
    linked_by: str


class ChangeOut(_Out):
    at: datetime
    actor: str
    change: str
    detail: dict[str, Any]


class ActionOut(_Out):
    id: int
    case_id: int
    description: str
    owner: str
    due_at: datetime
    metric: str
    subject_kind: str
    subject_id: str
    target: float | None = Field(description="The standard's target for the metric, where it sets one")
    starts_at: datetime
    window_seconds: float
    status: str
    before_value: float | None
    before_count: int | None
    after_value: float | None
    after_count: int | None
    worked: bool | None = Field(description="null until verified, or when either period had no data")
    verdict: str | None
    verified_at: datetime | None
    verified_by: str | None
    created_by: str
    created_at: datetime


class CaseDetail(CaseOut):
    links: list[LinkOut]
    actions: list[ActionOut]
    history: list[ChangeOut]


class LinkIn(BaseModel):
    """An alert or an interaction (exactly one)."""

    alert_id: RowId | None = None
    interaction_id: Identifier | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> "LinkIn":
        if (self.alert_id is None) == (self.interaction_id is None):
            raise ValueError("give exactly one of alert_id or interaction_id")
        return self


class CaseIn(LinkIn):
    """Open (or join) a case by hand, about an alert or an interaction."""

    assignee: Name | None = None


class CaseUpdate(BaseModel):
    assignee: Name | None = None
    root_cause: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="One of the standard's review.root_causes"
    )
    five_whys: list[Text] | None = Field(None, max_length=10, description="The 5-Whys chain, one answer per why")


class StatusIn(BaseModel):
    status: CaseStatus
    note: Text | None = None


class ActionIn(BaseModel):
    description: Text
    owner: Name
    due_at: UtcTime
    metric: AggregateMetric = Field(description="Must be one of the standard's review.action_metrics")
    subject_kind: Literal["agent", "team", "queue"]
    subject_id: Identifier
    starts_at: UtcTime | None = Field(None, description="When the action takes effect; default now")
    window_seconds: float | None = Field(
        None, gt=0, le=366 * 86400, description="Verification window; default the standard's"
    )


class RootCauses(BaseModel):
    standard_version: str
    items: list[RootCause]
