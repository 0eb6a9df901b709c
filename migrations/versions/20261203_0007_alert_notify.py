"""Alert transitions NOTIFY: every commit that adds alert transitions wakes the alert watchers of every
`callqa serve` instance (PostgreSQL LISTEN/NOTIFY; service/alerts/watch.py). SQLite has no such thing: there
the watcher polls, and nothing is created.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "callqa_alert_transitions"  # service.alerts.watch.ALERTS_CHANNEL (a revision never imports the app)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION callqa_notify_alert_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$
        """
    )
    # Once per statement, delivered at commit (PostgreSQL folds identical notifications of one transaction).
    op.execute(
        "CREATE TRIGGER alert_transitions_notify AFTER INSERT ON alert_transitions "
        "FOR EACH STATEMENT EXECUTE FUNCTION callqa_notify_alert_transitions()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS alert_transitions_notify ON alert_transitions")
    op.execute("DROP FUNCTION IF EXISTS callqa_notify_alert_transitions()")
