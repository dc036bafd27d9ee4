"""rel-sweep: index dead reminders only, instead of every reminder's state

Revision ID: b7e5d2c94a16
Revises: b7f3c91d2e45
Create Date: 2026-12-01 08:40:00

Every claim (pending -> sending) and every mark (sending -> sent) moved each row's entry
in ix_reminders_state, an index over all 1,000,000 rows of which only two queries made
use: the administrator's list of dead reminders and `setupflow outbox list --state`. The
unsent states already have their partial indexes; the dead list now has its own small
one, ordered the way it is shown (latest first).
"""
from alembic import op
import sqlalchemy as sa

revision = 'b7e5d2c94a16'
down_revision = 'b7f3c91d2e45'
branch_labels = None
depends_on = None

DEAD_SQL = "state = 'dead'"


def upgrade() -> None:
    op.create_index('ix_reminders_dead', 'reminders', ['updated_dt'], unique=False,
                    postgresql_where=sa.text(DEAD_SQL), sqlite_where=sa.text(DEAD_SQL))
    op.drop_index('ix_reminders_state', table_name='reminders')


def downgrade() -> None:
    op.create_index('ix_reminders_state', 'reminders', ['state'], unique=False)
    op.drop_index('ix_reminders_dead', table_name='reminders',
                  postgresql_where=sa.text(DEAD_SQL), sqlite_where=sa.text(DEAD_SQL))
