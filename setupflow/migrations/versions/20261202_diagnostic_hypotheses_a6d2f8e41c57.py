"""the diagnostic holds its starting hypotheses, each open, confirmed or refuted

Revision ID: a6d2f8e41c57
Revises: e3b7c1d94a28
Create Date: 2026-12-02 02:10:00

The guide asks the diagnostic to confirm or refute the starting hypotheses by crossing
sources: ``diagnostic_hypotheses`` holds them (statement, status, and what was found).
Existing sites have none; nothing else changes.
"""
import sqlalchemy as sa
from alembic import op

import setupflow.db

revision = 'a6d2f8e41c57'
down_revision = 'e3b7c1d94a28'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'diagnostic_hypotheses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('finding', sa.Text(), nullable=True),
        sa.Column('recorded_dt', setupflow.db.UTCDateTime(), nullable=False),
        sa.Column('recorded_by', sa.String(length=200), nullable=False),
        sa.Column('changed_dt', setupflow.db.UTCDateTime(), nullable=False),
        sa.Column('changed_by', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_diagnostic_hypotheses_site_id_sites'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_diagnostic_hypotheses')),
    )
    with op.batch_alter_table('diagnostic_hypotheses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diagnostic_hypotheses_site_id'), ['site_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('diagnostic_hypotheses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diagnostic_hypotheses_site_id'))
    op.drop_table('diagnostic_hypotheses')
