"""Indexes for reads at a year of history (bench/history.py): the alert list filtered by agent, team or queue, and
by state, newest first (the keyset order), without reading every alert; and on PostgreSQL the interactions'
agent, team and queue indexes carry the id, so a scorecard's customer outcomes find "the subject's interactions"
with an index-only scan (at 1,000,000 interactions a 30-day queue scorecard's contacts took 2.2 s joined to
every interaction).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 11:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_alerts_agent_id": ["agent_id", "id"],
    "ix_alerts_team_id": ["team_id", "id"],
    "ix_alerts_queue_id": ["queue_id", "id"],
    "ix_alerts_state_id": ["state", "id"],
}


SUBJECTS = ("agent_id", "team_id", "queue_id")


def _subject_indexes(include: list[str] | None) -> None:
    for column in SUBJECTS:
        name = f"ix_interactions_{column[:-3]}_started"
        op.drop_index(name, table_name="interactions")
        op.create_index(name, "interactions", [column, "started_at"], postgresql_include=include)


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "alerts", columns)
    if op.get_bind().dialect.name == "postgresql":
        _subject_indexes(["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _subject_indexes(None)
    for name in INDEXES:
        op.drop_index(name, table_name="alerts")
