"""Review cases, what they link, every change made to them, and their corrective actions.

Nothing is overwritten without a trace: each change of a case is a row in `review_case_changes` (who, when, what).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, JSONDoc, UTCDateTime


class ReviewCase(Base):
    __tablename__ = "review_cases"
    __table_args__ = (Index("ix_review_cases_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # "<subject_kind>:<subject_id>" while the case is not closed: one open case per subject, whoever opens it
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # interaction | queue | team | agent
    subject_id: Mapped[str] = mapped_column(String(128))
    agent_id: Mapped[str | None] = mapped_column(String(128), index=True)
    team_id: Mapped[str | None] = mapped_column(String(128))
    queue_id: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    assignee: Mapped[str | None] = mapped_column(String(128), index=True)
    root_cause: Mapped[str | None] = mapped_column(String(64))
    five_whys: Mapped[list[str]] = mapped_column(JSONDoc)
    standard_version: Mapped[str] = mapped_column(String(64))
    opened_by: Mapped[str] = mapped_column(String(128))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_alert_id: Mapped[int | None] = mapped_column(Integer)


class ReviewCaseLink(Base):
    """An alert or an interaction a case is about; linking twice is a no-op."""

    __tablename__ = "review_case_links"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "ref"),
        Index("ix_review_case_links_ref", "kind", "ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # alert | interaction
    ref: Mapped[str] = mapped_column(String(128))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    linked_by: Mapped[str] = mapped_column(String(128))


class ReviewCaseChange(Base):
    """The audit trail of a case: opened, linked, assigned, status, root cause, whys, actions, overdue."""

    __tablename__ = "review_case_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    change: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class CorrectiveAction(Base):
    """What is done about a root cause, and after its verification window whether the metric moved."""

    __tablename__ = "corrective_actions"
    __table_args__ = (Index("ix_corrective_actions_due", "status", "verify_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_cases.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    metric: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(16))  # agent | team | queue
    subject_id: Mapped[str] = mapped_column(String(128))
    target: Mapped[float | None] = mapped_column(Float)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    window_seconds: Mapped[float] = mapped_column(Float)
    verify_at: Mapped[datetime] = mapped_column(UTCDateTime())  # starts_at + window: when the effect is checked
    status: Mapped[str] = mapped_column(String(16))  # planned | verified
    before_value: Mapped[float | None] = mapped_column(Float)
    before_count: Mapped[int | None] = mapped_column(Integer)
    after_value: Mapped[float | None] = mapped_column(Float)
    after_count: Mapped[int | None] = mapped_column(Integer)
    worked: Mapped[bool | None] = mapped_column(Boolean)
    verdict: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by: Mapped[str | None] = mapped_column(String(128))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
