"""calls: a stored status (the call lifecycle), and a new call after an unsuccessful one

Revision ID: e1a7c3d9b524
Revises: c4e7a9b2d613
Create Date: 2026-12-02 02:00:00

A call's state was read from its dates and its applications; ``calls.status`` now stores
it (draft, published, selected, unsuccessful; a published call is read as closed from its
closing day). Existing calls get the status their rows already say: selected when an
application is selected, published when a publication date is set, else draft. A call
that ended without a selection can be closed as unsuccessful (``unsuccessful_reason``,
``unsuccessful_dt``) and a new call of the same kind drafted for the site, so a site may
now have several calls of one kind: ``uq_calls_site_id_call_key`` goes.
"""
import sqlalchemy as sa
from alembic import op

import setupflow.db

revision = 'e1a7c3d9b524'
down_revision = 'c4e7a9b2d613'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), server_default='draft', nullable=False))
        batch_op.add_column(sa.Column('unsuccessful_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('unsuccessful_dt', setupflow.db.UTCDateTime(), nullable=True))
        batch_op.drop_constraint('uq_calls_site_id_call_key', type_='unique')
    op.execute("UPDATE calls SET status = 'published' WHERE published_on IS NOT NULL")
    op.execute("UPDATE calls SET status = 'selected' WHERE EXISTS (SELECT 1 FROM call_applications a "
               "WHERE a.call_id = calls.id AND a.is_selected)")


def downgrade() -> None:
    # the calls closed as unsuccessful go with the column that says so: the site's current call stays
    op.execute("DELETE FROM calls WHERE status = 'unsuccessful'")
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_calls_site_id_call_key', ['site_id', 'call_key'])
        batch_op.drop_column('unsuccessful_dt')
        batch_op.drop_column('unsuccessful_reason')
        batch_op.drop_column('status')
