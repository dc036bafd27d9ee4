"""programmes: editions, applications in steps, scores, meetings and decisions of an
edition, laureates, their indicator reports, and who plays which part in a programme

Revision ID: c4e7a1f2b950
Revises: d4e8a1c7b352
Create Date: 2026-12-02 00:00:00

A programme (Act'ice, Entreprendre sa Liberté, the 2D prize) is data in
workflows/programmes/; these tables hold what happens in its editions.
"""
from alembic import op
import sqlalchemy as sa
import setupflow.db


revision = 'c4e7a1f2b950'
down_revision = 'd4e8a1c7b352'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programme_editions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.String(length=60), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('call_published_on', sa.Date(), nullable=True),
    sa.Column('review_texts', sa.JSON(), nullable=False),
    sa.Column('created_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.Column('changed_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.Column('changed_by', sa.String(length=200), nullable=False),
    sa.Column('version_id', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_editions')),
    sa.UniqueConstraint('programme_id', 'label', name=op.f('uq_programme_editions_programme_id_label'))
    )
    with op.batch_alter_table('programme_editions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_editions_programme_id'), ['programme_id'], unique=False)

    op.create_table('programme_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('project', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=400), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('step', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('received_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['programme_editions.id'], name=op.f('fk_programme_applications_edition_id_programme_editions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_applications'))
    )
    with op.batch_alter_table('programme_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_applications_edition_id'), ['edition_id'], unique=False)

    op.create_table('programme_laureates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('project', sa.String(length=200), nullable=False),
    sa.Column('organisations', sa.JSON(), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('path', sa.Text(), nullable=True),
    sa.Column('parrains', sa.JSON(), nullable=False),
    sa.Column('created_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['programme_applications.id'], name=op.f('fk_programme_laureates_application_id_programme_applications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['edition_id'], ['programme_editions.id'], name=op.f('fk_programme_laureates_edition_id_programme_editions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_laureates'))
    )
    with op.batch_alter_table('programme_laureates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_laureates_edition_id'), ['edition_id'], unique=False)

    op.create_table('programme_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('member', sa.String(length=200), nullable=False),
    sa.Column('criterion', sa.String(length=60), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('scored_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['programme_applications.id'], name=op.f('fk_programme_scores_application_id_programme_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_scores')),
    sa.UniqueConstraint('application_id', 'member', 'criterion', name=op.f('uq_programme_scores_application_id_member_criterion'))
    )
    with op.batch_alter_table('programme_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_scores_application_id'), ['application_id'], unique=False)

    op.create_table('programme_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=True),
    sa.Column('laureate_id', sa.Integer(), nullable=True),
    sa.Column('starts_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('present', sa.JSON(), nullable=False),
    sa.Column('created_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['programme_editions.id'], name=op.f('fk_programme_meetings_edition_id_programme_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['laureate_id'], ['programme_laureates.id'], name=op.f('fk_programme_meetings_laureate_id_programme_laureates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_meetings'))
    )
    with op.batch_alter_table('programme_meetings', schema=None) as batch_op:
        batch_op.create_index('ix_programme_meetings_edition_starts', ['edition_id', 'starts_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_meetings_laureate_id'), ['laureate_id'], unique=False)

    op.create_table('programme_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=True),
    sa.Column('laureate_id', sa.Integer(), nullable=True),
    sa.Column('seat', sa.String(length=60), nullable=True),
    sa.Column('assigned_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['programme_editions.id'], name=op.f('fk_programme_members_edition_id_programme_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['laureate_id'], ['programme_laureates.id'], name=op.f('fk_programme_members_laureate_id_programme_laureates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_programme_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_members'))
    )
    with op.batch_alter_table('programme_members', schema=None) as batch_op:
        batch_op.create_index('ix_programme_members_user_programme', ['user_id', 'programme_id'], unique=False)

    op.create_table('programme_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('laureate_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('reported_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.Column('reported_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['laureate_id'], ['programme_laureates.id'], name=op.f('fk_programme_reports_laureate_id_programme_laureates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_reports')),
    sa.UniqueConstraint('laureate_id', 'period', name=op.f('uq_programme_reports_laureate_id_period'))
    )
    op.create_table('programme_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('decided_dt', setupflow.db.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['edition_id'], ['programme_editions.id'], name=op.f('fk_programme_decisions_edition_id_programme_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['programme_meetings.id'], name=op.f('fk_programme_decisions_meeting_id_programme_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_decisions'))
    )
    with op.batch_alter_table('programme_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_decisions_edition_id'), ['edition_id'], unique=False)

    op.create_table('programme_report_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('laureate_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['programme_reports.id'], name=op.f('fk_programme_report_values_report_id_programme_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_report_values')),
    sa.UniqueConstraint('report_id', 'indicator', name=op.f('uq_programme_report_values_report_id_indicator'))
    )
    with op.batch_alter_table('programme_report_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_report_values_report_id'), ['report_id'], unique=False)
        batch_op.create_index('ix_programme_report_values_by_laureate',
                              ['edition_id', 'laureate_id', 'indicator', 'count'], unique=False)
        batch_op.create_index('ix_programme_report_values_by_period',
                              ['edition_id', 'period', 'indicator', 'count'], unique=False)



def downgrade():
    with op.batch_alter_table('programme_report_values', schema=None) as batch_op:
        batch_op.drop_index('ix_programme_report_values_by_period')
        batch_op.drop_index('ix_programme_report_values_by_laureate')
        batch_op.drop_index(batch_op.f('ix_programme_report_values_report_id'))

    op.drop_table('programme_report_values')
    with op.batch_alter_table('programme_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_decisions_edition_id'))

    op.drop_table('programme_decisions')
    op.drop_table('programme_reports')
    with op.batch_alter_table('programme_members', schema=None) as batch_op:
        batch_op.drop_index('ix_programme_members_user_programme')

    op.drop_table('programme_members')
    with op.batch_alter_table('programme_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_meetings_laureate_id'))
        batch_op.drop_index('ix_programme_meetings_edition_starts')

    op.drop_table('programme_meetings')
    with op.batch_alter_table('programme_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_scores_application_id'))

    op.drop_table('programme_scores')
    with op.batch_alter_table('programme_laureates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_laureates_edition_id'))

    op.drop_table('programme_laureates')
    with op.batch_alter_table('programme_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_applications_edition_id'))

    op.drop_table('programme_applications')
    with op.batch_alter_table('programme_editions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_editions_programme_id'))

    op.drop_table('programme_editions')
