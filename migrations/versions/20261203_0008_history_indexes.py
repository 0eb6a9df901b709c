"""Indexes for reads at a year of history (bench/history.py): the alert list filtered by agent, team or queue, and
by state, newest first (the keyset order), without reading every alert.

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


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "alerts", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="alerts")
