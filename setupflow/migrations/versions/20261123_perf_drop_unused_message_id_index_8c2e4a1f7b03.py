"""perf: drop the index on reminders.message_id, which no query uses

Revision ID: 8c2e4a1f7b03
Revises: 5709d752230a
Create Date: 2026-11-23 13:40:00

Nothing looks reminders up by Message-ID; the sweep's claim sets it on every new row,
so the index only cost one more B-tree insert per claimed row.
"""
from alembic import op

revision = '8c2e4a1f7b03'
down_revision = '5709d752230a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_reminders_message_id', table_name='reminders')


def downgrade() -> None:
    op.create_index('ix_reminders_message_id', 'reminders', ['message_id'], unique=False)
