"""Request and response shapes of human review, disputes and sampling."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.events.schemas import Identifier
from service.reviews.schemas import Text

HumanStatus = Literal["pass", "fail", "not_applicable"]


class ReviewItemIn(BaseModel):
    item_id: str = Field(min_length=1, max_length=64, description="An item id of the interaction's automated score")
    status: HumanStatus
    comment: Text | None = None


class ReviewIn(BaseModel):
    items: list[ReviewItemIn] = Field(min_length=1, max_length=200)
    comment: Text | None = None


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    interaction_id: str
    reviewer: str
    purpose: str
    calibration_id: int | None
    standard_version: str
    items: list[dict[str, Any]]
    comment: str | None
    quality_score: float | None = Field(description="This reviewer's judgement alone, added up as callqa does")
    passed: bool | None
    submitted_at: datetime


class DisputeIn(BaseModel):
    interaction_id: Identifier
    item_id: str = Field(min_length=1, max_length=64)
    reason: Text


class DisputeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    interaction_id: str
    item_id: str
    agent_id: str | None
    reason: str
    disputed_status: str
    filed_by: str
    filed_at: datetime
    status: str
    overturned_to: str | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


class DecisionIn(BaseModel):
    decision: Literal["uphold", "overturn"]
    overturned_to: Literal["pass", "not_applicable"] = Field(
        "pass", description="The item's status in the reviewed score when overturned"
    )
    note: Text | None = None


class ScoreSide(BaseModel):
    quality_score: float | None
    passed: bool | None
    critical_failure: bool
    items: list[dict[str, Any]]


class ReviewedSide(ScoreSide):
    review_id: int | None
    updated_at: datetime


class SideBySide(BaseModel):
    interaction_id: str
    agent_id: str | None
    standard_version: str
    automated: ScoreSide = Field(description="callqa's own score, as recorded; never changed by review")
    reviewed: ReviewedSide | None = Field(description="After the latest human review and overturned disputes")
    reviews: list[ReviewOut]
    disputes: list[DisputeOut]
    item_labels: dict[str, dict[str, str]] = Field(
        description="What each script item asks, per language, in the words of the version that judged it"
    )


class PickOut(BaseModel):
    interaction_id: str
    agent_id: str | None
    reasons: list[str]


class SampleOut(BaseModel):
    week: str
    seed: str
    rules: dict[str, Any]
    items: list[PickOut]
