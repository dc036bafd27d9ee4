"""calendar feeds: each site's written part kept in the database, keyed by its version

Revision ID: e7b3c9d1a254
Revises: e1a7c3f9b204
Create Date: 2026-12-02 02:30:00

A person's feed at 2,000 sites was written from nothing (1.3-1.8 s) by every new server
process and after every restart, since its parts were kept only in each process's
memory. ``feed_parts`` keeps each site's part per language with the digest of its
inputs: a part is served only while that digest is the site's current one.
"""
import sqlalchemy as sa
from alembic import op

import setupflow.db

revision = 'e7b3c9d1a254'
down_revision = 'e1a7c3f9b204'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feed_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('version', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('written_dt', setupflow.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_feed_parts_site_id_sites'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_parts')),
        sa.UniqueConstraint('site_id', 'lang', name=op.f('uq_feed_parts_site_id_lang')),
    )


def downgrade() -> None:
    op.drop_table('feed_parts')
