"""Source record versions: the newest copy of each re-delivered record (Amazon Connect contact records).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 22:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('source_versions',
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('record_key', sa.String(length=256), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'record_key', name=op.f('pk_source_versions'))
    )


def downgrade() -> None:
    op.drop_table('source_versions')
