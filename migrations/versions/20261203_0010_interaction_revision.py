"""interactions.revision: how many scores the row has had. A live interaction's unresolved alerts are kept with
its live state (service/interactions/live.py) and used only while the row's revision is the one they were read
at: a score written by another process (its deadline sweep, say) may have raised or withdrawn alerts.

A constant default: on PostgreSQL the column is added without rewriting the table.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("revision")
