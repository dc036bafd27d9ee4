"""reminders: a person's reminders read through two indexes, not the whole outbox

Revision ID: fbceb95d9ef6
Revises: 9d41c7e2a6b8
Create Date: 2026-12-02 07:40:00

The notifications page lists what is still to be sent to the person (soonest first) and
what was sent to them (latest first), by their address as compared (``lower(recipient)``).
No index served either, so each visit read the whole outbox twice: 250-390 ms at the
benchmark's 1,000,000 rows, for every person. Two partial indexes on the address and the
order of each list. A claim changes none of their columns, so on PostgreSQL it stays HOT
(9d41c7e2a6b8): the unsent one is on ``queue`` there, as the sweep's indexes are, and the
sent one on ``sent_dt``, which only the mark that sends a row sets.
"""
from alembic import op
import sqlalchemy as sa

revision = 'fbceb95d9ef6'
down_revision = '9d41c7e2a6b8'
branch_labels = None
depends_on = None

UNSENT_QUEUE_SQL = "queue = 'unsent'"
UNSENT_STATES_SQL = "state IN ('pending', 'sending', 'failed')"
SENT_SQL = "sent_dt IS NOT NULL"


def upgrade() -> None:
    op.create_index('ix_reminders_to_unsent', 'reminders', [sa.text('lower(recipient)'), 'send_after_dt'],
                    unique=False, postgresql_where=sa.text(UNSENT_QUEUE_SQL),
                    sqlite_where=sa.text(UNSENT_STATES_SQL))
    op.create_index('ix_reminders_to_sent', 'reminders', [sa.text('lower(recipient)'), 'sent_dt'],
                    unique=False, postgresql_where=sa.text(SENT_SQL), sqlite_where=sa.text(SENT_SQL))


def downgrade() -> None:
    op.drop_index('ix_reminders_to_sent', table_name='reminders')
    op.drop_index('ix_reminders_to_unsent', table_name='reminders')
