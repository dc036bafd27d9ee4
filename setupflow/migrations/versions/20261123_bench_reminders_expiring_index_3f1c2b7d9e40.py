"""bench: index the sweep's expiry scan on unsent reminders

Revision ID: 3f1c2b7d9e40
Revises: 25507879cbce
Create Date: 2026-11-23 12:45:00

The idle sweep withdraws unsent reminders past their expiry. Without this partial index
it scanned every pending and failed row (1,000,000 rows in the outbox: ~1.5 s per sweep).
"""
from alembic import op
import sqlalchemy as sa

revision = '3f1c2b7d9e40'
down_revision = '25507879cbce'
branch_labels = None
depends_on = None

UNSENT_SQL = "state IN ('pending', 'sending', 'failed')"


def upgrade() -> None:
    op.create_index('ix_reminders_expiring', 'reminders', ['expires_dt'], unique=False,
                    postgresql_where=sa.text(UNSENT_SQL), sqlite_where=sa.text(UNSENT_SQL))


def downgrade() -> None:
    op.drop_index('ix_reminders_expiring', table_name='reminders',
                  postgresql_where=sa.text(UNSENT_SQL), sqlite_where=sa.text(UNSENT_SQL))
