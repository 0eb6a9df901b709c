"""Alert lifecycle (transitions), aggregate rule states, delivery outbox, API keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:01:59.004227
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('prefix', sa.String(length=32), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    op.create_table('rule_states',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('breach_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('open_alert_id', sa.Integer(), nullable=True),
    sa.Column('last_resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('episodes', sa.Integer(), nullable=False),
    sa.Column('last_value', sa.Float(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rule_states'))
    )
    op.create_table('alert_transitions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_transitions_alert_id_alerts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_transitions'))
    )
    with op.batch_alter_table('alert_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_transitions_alert_id'), ['alert_id'], unique=False)

    op.create_table('alert_deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('transition_id', sa.Integer(), nullable=False),
    sa.Column('destination', sa.String(length=32), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['transition_id'], ['alert_transitions.id'], name=op.f('fk_alert_deliveries_transition_id_alert_transitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_alert_deliveries_idempotency_key'))
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_alert_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_deliveries_transition_id'), ['transition_id'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_kind', sa.String(length=16), server_default='interaction', nullable=False))
        batch_op.add_column(sa.Column('subject_id', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('value', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolved_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_alerts_subject', ['subject_kind', 'subject_id'], unique=False)
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_reply_overdue', sa.Boolean(), nullable=True))
    # Alerts raised before this revision were all about one interaction.
    op.execute("UPDATE alerts SET subject_id = interaction_id WHERE subject_id IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_column('first_reply_overdue')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_subject')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('resolved_by')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('acknowledged_by')
        batch_op.drop_column('acknowledged_at')
        batch_op.drop_column('value')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_kind')

    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_transition_id'))
        batch_op.drop_index('ix_alert_deliveries_due')

    op.drop_table('alert_deliveries')
    with op.batch_alter_table('alert_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_transitions_alert_id'))

    op.drop_table('alert_transitions')
    op.drop_table('rule_states')
    op.drop_table('api_keys')
