"""claim: a claimed reminder no longer enters the expiry index, and no index on recipient

Revision ID: c4e9a1f7b360
Revises: a6d2f8e41c57
Create Date: 2026-12-02 04:50:00

On PostgreSQL a claim changes a row's state, so its update is never HOT: the server
writes a new entry in every index the new row version belongs to, 1,000 rows a claim.
The expiry index now holds only the rows that may expire (pending, failed), which a
claimed (sending) row is not; the index on recipient alone served only the personal-data
report, and it was written again by every claim, every mark and every insert.
"""
from alembic import op
import sqlalchemy as sa

revision = 'c4e9a1f7b360'
down_revision = 'a6d2f8e41c57'
branch_labels = None
depends_on = None

UNSENT_SQL = "state IN ('pending', 'sending', 'failed')"
EXPIRABLE_SQL = "state IN ('pending', 'failed')"


def upgrade() -> None:
    op.drop_index('ix_reminders_expiring', table_name='reminders',
                  postgresql_where=sa.text(UNSENT_SQL), sqlite_where=sa.text(UNSENT_SQL))
    op.create_index('ix_reminders_expiring', 'reminders', ['expires_dt'], unique=False,
                    postgresql_where=sa.text(EXPIRABLE_SQL), sqlite_where=sa.text(EXPIRABLE_SQL))
    op.drop_index('ix_reminders_recipient', table_name='reminders')


def downgrade() -> None:
    op.create_index('ix_reminders_recipient', 'reminders', ['recipient'], unique=False)
    op.drop_index('ix_reminders_expiring', table_name='reminders',
                  postgresql_where=sa.text(EXPIRABLE_SQL), sqlite_where=sa.text(EXPIRABLE_SQL))
    op.create_index('ix_reminders_expiring', 'reminders', ['expires_dt'], unique=False,
                    postgresql_where=sa.text(UNSENT_SQL), sqlite_where=sa.text(UNSENT_SQL))
