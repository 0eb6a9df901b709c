"""Standard activations: which standard version judges interactions that start from when.

Each version recorded before this revision counts as activated when it was first loaded, which is when it
began judging new interactions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('standard_activations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_by', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['version'], ['standard_versions.version'], name=op.f('fk_standard_activations_version_standard_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_activations'))
    )
    with op.batch_alter_table('standard_activations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standard_activations_effective_at'), ['effective_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_activations_version'), ['version'], unique=False)
    op.execute(
        "INSERT INTO standard_activations (version, effective_at, activated_at, activated_by) "
        "SELECT version, first_loaded_at, first_loaded_at, 'startup' FROM standard_versions ORDER BY first_loaded_at"
    )


def downgrade() -> None:
    with op.batch_alter_table('standard_activations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standard_activations_version'))
        batch_op.drop_index(batch_op.f('ix_standard_activations_effective_at'))
    op.drop_table('standard_activations')
