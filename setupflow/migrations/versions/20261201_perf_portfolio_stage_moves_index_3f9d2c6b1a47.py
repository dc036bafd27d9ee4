"""perf: index site history by (site_id, action) for the portfolio's stage moves

Revision ID: 3f9d2c6b1a47
Revises: b7e5d2c94a16
Create Date: 2026-12-01 08:40:00

The portfolio reads the stage moves (created, advanced, reopened) of every visible site:
about 6,100 entries among 190,000 at 2,000 sites, the rest being meetings, minutes and
ticks. With the index on site_id alone each site's whole history was read to keep its
three moves (43 ms of SQLite for 2,000 sites); with (site_id, action) only the moves are
(13 ms). The index on site_id alone is dropped: the new one serves every lookup by site
(its first column), and every recorded change wrote both.
"""
from alembic import op

revision = '3f9d2c6b1a47'
down_revision = 'b7e5d2c94a16'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_site_history_site_id_action', 'site_history', ['site_id', 'action'], unique=False)
    op.drop_index('ix_site_history_site_id', table_name='site_history')


def downgrade() -> None:
    op.create_index('ix_site_history_site_id', 'site_history', ['site_id'], unique=False)
    op.drop_index('ix_site_history_site_id_action', table_name='site_history')
