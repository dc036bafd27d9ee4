"""site reports: a workshop's aggregates per period after its opening

Revision ID: d5f8b2a3c061
Revises: c4e7a1f2b950
Create Date: 2026-12-02 00:10:00

The definition's ``after_opening`` lists what an opened workshop reports each period
(posts, people employed, hours, exits, length of stay); these tables hold the reports.
"""
from alembic import op
import sqlalchemy as sa
import setupflow.db


revision = 'd5f8b2a3c061'
down_revision = 'c4e7a1f2b950'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('reported_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.Column('reported_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_reports_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_reports')),
    sa.UniqueConstraint('site_id', 'period', name=op.f('uq_site_reports_site_id_period'))
    )
    op.create_table('site_report_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['site_reports.id'], name=op.f('fk_site_report_values_report_id_site_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_report_values')),
    sa.UniqueConstraint('report_id', 'indicator', name=op.f('uq_site_report_values_report_id_indicator'))
    )
    with op.batch_alter_table('site_report_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_report_values_report_id'), ['report_id'], unique=False)



def downgrade():
    with op.batch_alter_table('site_report_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_report_values_report_id'))

    op.drop_table('site_report_values')
    op.drop_table('site_reports')
