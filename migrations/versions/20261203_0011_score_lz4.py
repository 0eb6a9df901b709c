"""interactions.score compressed with lz4 on PostgreSQL: every batch rewrites the score document of each
interaction it touches (several kB, TOASTed), and pglz compression was about a third of the server's CPU for that
UPDATE (bench/kafka_pipeline.py); lz4 compresses several times faster, for a slightly larger value. Only values
written from now on use it. A server built without lz4 keeps pglz; SQLite has no such setting.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 20:30:00.000000
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HAS_LZ4 = text(
    "SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals))"
)


def _compress_with(method: str) -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql" and conn.execute(_HAS_LZ4).scalar():
        op.execute(f"ALTER TABLE interactions ALTER COLUMN score SET COMPRESSION {method}")


def upgrade() -> None:
    _compress_with("lz4")


def downgrade() -> None:
    _compress_with("default")
