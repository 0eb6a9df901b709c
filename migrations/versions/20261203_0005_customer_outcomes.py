"""Customer outcomes: survey answers (CSAT, NPS) and contacts (customer and reason, for first-contact resolution).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 07:04:44.693457
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    op.create_table('contacts',
    sa.Column('interaction_id', sa.String(length=128), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('customer_id', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.String(length=128), nullable=False),
    sa.Column('contacted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('agent_id', sa.String(length=128), nullable=True),
    sa.Column('team_id', sa.String(length=128), nullable=True),
    sa.Column('queue_id', sa.String(length=128), nullable=True),
    sa.Column('next_contact_gap_seconds', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('interaction_id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('event_id', name=op.f('uq_contacts_event_id'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_contacted_at'), ['contacted_at'], unique=False)
        batch_op.create_index('ix_contacts_customer_reason_at', ['customer_id', 'reason', 'contacted_at'], unique=False)

    op.create_table('survey_answers',
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('interaction_id', sa.String(length=128), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('csat', sa.Integer(), nullable=True),
    sa.Column('nps', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.String(length=128), nullable=True),
    sa.Column('team_id', sa.String(length=128), nullable=True),
    sa.Column('queue_id', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_survey_answers'))
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answers_answered_at'), ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answers_interaction_id'), ['interaction_id'], unique=False)

def downgrade() -> None:
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answers_interaction_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answers_answered_at'))

    op.drop_table('survey_answers')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_customer_reason_at')
        batch_op.drop_index(batch_op.f('ix_contacts_contacted_at'))

    op.drop_table('contacts')
