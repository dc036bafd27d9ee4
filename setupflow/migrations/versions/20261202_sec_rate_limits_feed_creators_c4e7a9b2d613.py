"""security: atomic rate limits; calendar feeds record the account that created them

Revision ID: c4e7a9b2d613
Revises: 9a4f2b6c1d83
Create Date: 2026-12-02 00:00:00

The login throttle counted earlier failures and then added one: forty parallel wrong
passwords all read "under five" and twelve were let through. ``rate_limits`` holds one
counter per key, incremented and read by a single upsert (logins, password-reset
requests per address and per client). Feeds now record their creator
(``feed_tokens.created_by_user_id``) so that they die with the account and only their
creator or a manager may revoke them; feeds created before this revision have none.
"""
import sqlalchemy as sa
from alembic import op

import setupflow.db

revision = 'c4e7a9b2d613'
down_revision = '9a4f2b6c1d83'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rate_limits',
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('window_start', setupflow.db.UTCDateTime(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limits')),
    )
    with op.batch_alter_table('feed_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_feed_tokens_created_by_user_id'), ['created_by_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_feed_tokens_created_by_user_id_users'), 'users',
                                    ['created_by_user_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('feed_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feed_tokens_created_by_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_feed_tokens_created_by_user_id'))
        batch_op.drop_column('created_by_user_id')
    op.drop_table('rate_limits')
