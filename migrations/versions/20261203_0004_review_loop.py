"""Review loop (issue 13): review cases with links, audit trail and corrective actions; human reviews and the
reviewed score beside the automated one; disputes; calibration panels; agent-bound API keys.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 07:18:21.416291
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calibrations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('interaction_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('reviewers', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibrations'))
    )
    op.create_table('disputes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('open_key', sa.String(length=200), nullable=True),
    sa.Column('interaction_id', sa.String(length=128), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.String(length=128), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('disputed_status', sa.String(length=16), nullable=False),
    sa.Column('filed_by', sa.String(length=128), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('overturned_to', sa.String(length=16), nullable=True),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('open_key', name=op.f('uq_disputes_open_key'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disputes_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disputes_interaction_id'), ['interaction_id'], unique=False)

    op.create_table('review_cases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('open_key', sa.String(length=200), nullable=True),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=128), nullable=False),
    sa.Column('agent_id', sa.String(length=128), nullable=True),
    sa.Column('team_id', sa.String(length=128), nullable=True),
    sa.Column('queue_id', sa.String(length=128), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('assignee', sa.String(length=128), nullable=True),
    sa.Column('root_cause', sa.String(length=64), nullable=True),
    sa.Column('five_whys', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('standard_version', sa.String(length=64), nullable=False),
    sa.Column('opened_by', sa.String(length=128), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_alert_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cases')),
    sa.UniqueConstraint('open_key', name=op.f('uq_review_cases_open_key'))
    )
    with op.batch_alter_table('review_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_cases_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_cases_assignee'), ['assignee'], unique=False)
        batch_op.create_index('ix_review_cases_status_due', ['status', 'due_at'], unique=False)

    op.create_table('reviewed_scores',
    sa.Column('interaction_id', sa.String(length=128), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.Column('quality_score', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('critical_failure', sa.Boolean(), nullable=False),
    sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('interaction_id', name=op.f('pk_reviewed_scores'))
    )
    op.create_table('corrective_actions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=128), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('subject_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.String(length=128), nullable=False),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_seconds', sa.Float(), nullable=False),
    sa.Column('verify_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('before_value', sa.Float(), nullable=True),
    sa.Column('before_count', sa.Integer(), nullable=True),
    sa.Column('after_value', sa.Float(), nullable=True),
    sa.Column('after_count', sa.Integer(), nullable=True),
    sa.Column('worked', sa.Boolean(), nullable=True),
    sa.Column('verdict', sa.Text(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by', sa.String(length=128), nullable=True),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['review_cases.id'], name=op.f('fk_corrective_actions_case_id_review_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrective_actions'))
    )
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrective_actions_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_corrective_actions_due', ['status', 'verify_at'], unique=False)

    op.create_table('human_reviews',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('interaction_id', sa.String(length=128), nullable=False),
    sa.Column('reviewer', sa.String(length=128), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('calibration_id', sa.Integer(), nullable=True),
    sa.Column('standard_version', sa.String(length=64), nullable=False),
    sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('quality_score', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['calibration_id'], ['calibrations.id'], name=op.f('fk_human_reviews_calibration_id_calibrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_human_reviews')),
    sa.UniqueConstraint('calibration_id', 'interaction_id', 'reviewer', name=op.f('uq_human_reviews_calibration_id'))
    )
    with op.batch_alter_table('human_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_human_reviews_calibration_id'), ['calibration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_human_reviews_interaction_id'), ['interaction_id'], unique=False)

    op.create_table('review_case_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('change', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['review_cases.id'], name=op.f('fk_review_case_changes_case_id_review_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_case_changes'))
    )
    with op.batch_alter_table('review_case_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_case_changes_case_id'), ['case_id'], unique=False)

    op.create_table('review_case_links',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=128), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('linked_by', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['review_cases.id'], name=op.f('fk_review_case_links_case_id_review_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_case_links')),
    sa.UniqueConstraint('case_id', 'kind', 'ref', name=op.f('uq_review_case_links_case_id'))
    )
    with op.batch_alter_table('review_case_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_case_links_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_review_case_links_ref', ['kind', 'ref'], unique=False)

    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_id', sa.String(length=128), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('agent_id')

    with op.batch_alter_table('review_case_links', schema=None) as batch_op:
        batch_op.drop_index('ix_review_case_links_ref')
        batch_op.drop_index(batch_op.f('ix_review_case_links_case_id'))

    op.drop_table('review_case_links')
    with op.batch_alter_table('review_case_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_case_changes_case_id'))

    op.drop_table('review_case_changes')
    with op.batch_alter_table('human_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_human_reviews_interaction_id'))
        batch_op.drop_index(batch_op.f('ix_human_reviews_calibration_id'))

    op.drop_table('human_reviews')
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_corrective_actions_due')
        batch_op.drop_index(batch_op.f('ix_corrective_actions_case_id'))

    op.drop_table('corrective_actions')
    op.drop_table('reviewed_scores')
    with op.batch_alter_table('review_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_review_cases_status_due')
        batch_op.drop_index(batch_op.f('ix_review_cases_assignee'))
        batch_op.drop_index(batch_op.f('ix_review_cases_agent_id'))

    op.drop_table('review_cases')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disputes_interaction_id'))
        batch_op.drop_index(batch_op.f('ix_disputes_agent_id'))

    op.drop_table('disputes')
    op.drop_table('calibrations')
