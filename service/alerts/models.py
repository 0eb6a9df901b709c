"""Alerts, every change of their state, rule state of aggregate rules, and outbound deliveries.

Nothing is overwritten: an alert's state changes are rows in `alert_transitions` (who, when, note).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, JSONDoc, UTCDateTime


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_state_raised", "state", "raised_at"),
        Index("ix_alerts_subject", "subject_kind", "subject_id"),
        # the list's filters, each in its keyset order (newest first): a year of alerts is never read whole
        Index("ix_alerts_agent_id", "agent_id", "id"),
        Index("ix_alerts_team_id", "team_id", "id"),
        Index("ix_alerts_queue_id", "queue_id", "id"),
        Index("ix_alerts_state_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # interaction alerts: interaction + rule + item (raised once, ever); aggregate alerts: rule + subject + episode
    dedup_key: Mapped[str] = mapped_column(String(400), unique=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="open")
    subject_kind: Mapped[str] = mapped_column(String(16), default="interaction", server_default="interaction")
    subject_id: Mapped[str | None] = mapped_column(String(128))
    interaction_id: Mapped[str | None] = mapped_column(String(128), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(128))
    team_id: Mapped[str | None] = mapped_column(String(128))
    queue_id: Mapped[str | None] = mapped_column(String(128))
    standard_version: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    value: Mapped[float | None] = mapped_column(Float)
    breached_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def item(self) -> str | None:
        """The score item an interaction alert is about (greeting, answer_time...), read from its dedup key;
        None for the quality verdicts and for queue and team alerts."""
        if self.subject_kind != "interaction" or not self.interaction_id:
            return None
        key = self.dedup_key.removeprefix(f"{self.interaction_id}:")
        if self.rule == "customer_sentiment_low":
            return "customer_sentiment"
        return key.split(":", 1)[1] if ":" in key else None


class AlertTransition(Base):
    """Every change of an alert (opened, acknowledged, escalated, resolved): the audit trail and the SSE feed."""

    __tablename__ = "alert_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))  # open | acknowledged | escalated | resolved
    actor: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class RuleState(Base):
    """Where an aggregate or control-limit rule stands for one subject: breach start, open alert, quiet time."""

    __tablename__ = "rule_states"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # rule:subject_kind:subject_id
    breach_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    open_alert_id: Mapped[int | None] = mapped_column(Integer)
    last_resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    episodes: Mapped[int] = mapped_column(Integer, default=0)
    last_value: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Delivery(Base):
    """Outbox: one row per transition per destination, retried with backoff until delivered or given up."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transition_id: Mapped[int] = mapped_column(ForeignKey("alert_transitions.id"), index=True)
    destination: Mapped[str] = mapped_column(String(32))  # webhook | alertmanager
    url: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
