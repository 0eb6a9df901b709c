"""Tables of received events and of scored interactions."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, JSONDoc, UTCDateTime


class EventRecord(Base):
    """Every accepted event, once: `event_id` is the idempotency key."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True)
    interaction_id: Mapped[str] = mapped_column(String(128), index=True)
    type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(32))
    agent_id: Mapped[str | None] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    queue_id: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class Interaction(Base):
    """The latest score of a call or ticket, with the columns scorecards aggregate over."""

    __tablename__ = "interactions"
    __table_args__ = (
        # `id` included (PostgreSQL): "the subject's interactions" is an index-only scan (kpis.repository)
        Index("ix_interactions_agent_started", "agent_id", "started_at", postgresql_include=["id"]),
        Index("ix_interactions_team_started", "team_id", "started_at", postgresql_include=["id"]),
        Index("ix_interactions_queue_started", "queue_id", "started_at", postgresql_include=["id"]),
        Index("ix_interactions_next_due", "next_due_at"),
    )

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    agent_id: Mapped[str | None] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    queue_id: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    standard_version: Mapped[str] = mapped_column(String(64))
    quality_score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    critical_failure: Mapped[bool] = mapped_column(Boolean, default=False)
    compliance_passed: Mapped[int] = mapped_column(Integer, default=0)
    compliance_failed: Mapped[int] = mapped_column(Integer, default=0)
    answer_wait_seconds: Mapped[float | None] = mapped_column(Float)
    counts_for_service_level: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_within_limit: Mapped[bool | None] = mapped_column(Boolean)
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    first_reply_seconds: Mapped[float | None] = mapped_column(Float)
    first_reply_overdue: Mapped[bool | None] = mapped_column(Boolean)  # None while not yet judged
    resolution_seconds: Mapped[float | None] = mapped_column(Float)
    customer_sentiment_mean: Mapped[float | None] = mapped_column(Float)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    # scores written so far: what a live state's memo of the interaction's alerts was read at (interactions.live)
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime())
    score: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
