"""Human reviews (never written over the automated score), the reviewed score they make, and disputes."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, JSONDoc, UTCDateTime


class HumanReview(Base):
    """One reviewer's judgement of one interaction on the standard's items: [{item_id, status, comment}]."""

    __tablename__ = "human_reviews"
    __table_args__ = (UniqueConstraint("calibration_id", "interaction_id", "reviewer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interaction_id: Mapped[str] = mapped_column(String(128), index=True)
    reviewer: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(16))  # review | calibration (calibration never counts)
    calibration_id: Mapped[int | None] = mapped_column(ForeignKey("calibrations.id"), index=True)
    standard_version: Mapped[str] = mapped_column(String(64))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    comment: Mapped[str | None] = mapped_column(Text)
    quality_score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewedScore(Base):
    """The score after human review and decided disputes, beside (never instead of) `interactions.score`."""

    __tablename__ = "reviewed_scores"

    interaction_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    review_id: Mapped[int | None] = mapped_column(Integer)  # the latest human review it rests on, if any
    quality_score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    critical_failure: Mapped[bool] = mapped_column(Boolean)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Dispute(Base):
    __tablename__ = "disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # "<interaction_id>:<item_id>" while undecided: one open dispute per item
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    interaction_id: Mapped[str] = mapped_column(String(128), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[str | None] = mapped_column(String(128), index=True)
    reason: Mapped[str] = mapped_column(Text)
    disputed_status: Mapped[str] = mapped_column(String(16))  # the item's reviewed status when disputed
    filed_by: Mapped[str] = mapped_column(String(128))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # open | upheld | overturned
    overturned_to: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)
