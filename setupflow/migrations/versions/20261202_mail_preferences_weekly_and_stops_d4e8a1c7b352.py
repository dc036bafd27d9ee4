"""mail preferences: the weekly digest, and the kinds of reminder a person stopped

Revision ID: d4e8a1c7b352
Revises: 4c7e2a9d1f36
Create Date: 2026-12-02 00:00:00

``weekly_digest``: the Monday e-mail of the next steps of one's sites (None: the default,
on for project leads). ``stopped``: the reminder events a person no longer wants (a
one-click unsubscribe, RFC 8058, or the preferences page reached without an account).
"""
import sqlalchemy as sa
from alembic import op

revision = 'd4e8a1c7b352'
down_revision = '4c7e2a9d1f36'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mail_preferences') as batch:
        batch.add_column(sa.Column('weekly_digest', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('stopped', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('mail_preferences') as batch:
        batch.drop_column('stopped')
        batch.drop_column('weekly_digest')
