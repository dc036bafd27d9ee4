"""programme meetings are meetings: one meeting model for sites and programme editions

Revision ID: e7b3c5a1d942
Revises: e1a7c3d9b524
Create Date: 2026-12-02 02:10:00

The meetings of a programme's edition (selection committee, collective days,
co-development sessions, events, each laureate's follow-ups) lived in their own
``programme_meetings`` table, without invitations, reminders, iCalendar, attendance or
minutes. They become rows of ``meetings`` (which now belongs to a site or to an edition),
so that they get the committees' machinery; their invitees are accounts
(``meeting_attendees.user_id``). Every row moves with its status, start and seats present;
the selection decisions follow their meeting to its new id.
"""
import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import setupflow.db


revision = 'e7b3c5a1d942'
down_revision = 'e1a7c3d9b524'
branch_labels = None
depends_on = None

#: how long each kind of programme meeting lasts, in minutes (setupflow.programmes.meetings.DURATIONS)
DURATIONS = {"selection": 180, "collective_day": 360, "co_development": 180, "event": 180, "follow_up": 60}
ZONE = "Europe/Paris"

_old = sa.table('programme_meetings', sa.column('id', sa.Integer), sa.column('edition_id', sa.Integer),
                sa.column('kind', sa.String), sa.column('key', sa.String), sa.column('laureate_id', sa.Integer),
                sa.column('starts_dt', setupflow.db.UTCDateTime()), sa.column('status', sa.String),
                sa.column('present', sa.JSON), sa.column('created_dt', setupflow.db.UTCDateTime()))
_meetings = sa.table('meetings', sa.column('id', sa.Integer), sa.column('site_id', sa.Integer),
                     sa.column('edition_id', sa.Integer), sa.column('laureate_id', sa.Integer),
                     sa.column('committee_id', sa.String), sa.column('topic', sa.String),
                     sa.column('seats_present', sa.JSON), sa.column('status', sa.String),
                     sa.column('starts_dt', setupflow.db.UTCDateTime()), sa.column('duration_minutes', sa.Integer),
                     sa.column('timezone', sa.String), sa.column('is_working_meeting', sa.Boolean),
                     sa.column('uid', sa.String), sa.column('sequence', sa.Integer),
                     sa.column('created_dt', setupflow.db.UTCDateTime()),
                     sa.column('updated_dt', setupflow.db.UTCDateTime()))
_decisions = sa.table('programme_decisions', sa.column('id', sa.Integer), sa.column('meeting_id', sa.Integer))


def _created(value):
    return value if value is not None else datetime.now(timezone.utc)


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.alter_column('site_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('edition_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('laureate_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('topic', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('seats_present', sa.JSON(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_meetings_edition_id_programme_editions'), 'programme_editions',
                                    ['edition_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_meetings_laureate_id_programme_laureates'), 'programme_laureates',
                                    ['laureate_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_meetings_edition_id_starts_dt', ['edition_id', 'starts_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_laureate_id'), ['laureate_id'], unique=False)

    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_meeting_attendees_user_id_users'), 'users', ['user_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_meeting_attendees_user_id'), ['user_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_meeting_attendees_meeting_id_user_id'),
                                          ['meeting_id', 'user_id'])

    conn = op.get_bind()
    moved = {}
    for row in conn.execute(sa.select(_old).order_by(_old.c.id)).mappings():
        created = _created(row['created_dt'])
        new_id = conn.execute(_meetings.insert().values(
            site_id=None, edition_id=row['edition_id'], laureate_id=row['laureate_id'],
            committee_id=row['kind'], topic=row['key'], seats_present=list(row['present'] or []),
            status=row['status'], starts_dt=row['starts_dt'], duration_minutes=DURATIONS.get(row['kind'], 120),
            timezone=ZONE, is_working_meeting=False, uid=f"{uuid.uuid4().hex}@setupflow", sequence=0,
            created_dt=created, updated_dt=created).returning(_meetings.c.id)).scalar_one()
        moved[row['id']] = new_id

    # the decisions point at the meetings table from now on; their meeting ids follow the move
    with op.batch_alter_table('programme_decisions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_programme_decisions_meeting_id_programme_meetings', type_='foreignkey')
    for old_id, new_id in moved.items():
        conn.execute(_decisions.update().where(_decisions.c.meeting_id == old_id).values(meeting_id=-new_id))
    conn.execute(_decisions.update().where(_decisions.c.meeting_id < 0).values(meeting_id=-_decisions.c.meeting_id))
    with op.batch_alter_table('programme_decisions', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_programme_decisions_meeting_id_meetings'), 'meetings',
                                    ['meeting_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('programme_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_meetings_laureate_id'))
        batch_op.drop_index('ix_programme_meetings_edition_starts')
    op.drop_table('programme_meetings')


def downgrade():
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

    conn = op.get_bind()
    moved = {}
    edition_meetings = sa.select(_meetings).where(_meetings.c.edition_id.is_not(None)).order_by(_meetings.c.id)
    for row in conn.execute(edition_meetings).mappings():
        # a status the old table did not know (proposed, minutes approved) reads as held or scheduled
        status = {"minutes_approved": "held", "proposed": "scheduled"}.get(row['status'], row['status'])
        moved[row['id']] = conn.execute(_old.insert().values(
            edition_id=row['edition_id'], kind=row['committee_id'][:30], key=row['topic'],
            laureate_id=row['laureate_id'], starts_dt=row['starts_dt'], status=status,
            present=list(row['seats_present'] or []), created_dt=row['created_dt']).returning(_old.c.id)).scalar_one()

    with op.batch_alter_table('programme_decisions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_programme_decisions_meeting_id_meetings', type_='foreignkey')
    for old_id, new_id in moved.items():
        conn.execute(_decisions.update().where(_decisions.c.meeting_id == old_id).values(meeting_id=-new_id))
    conn.execute(_decisions.update().where(_decisions.c.meeting_id < 0).values(meeting_id=-_decisions.c.meeting_id))
    with op.batch_alter_table('programme_decisions', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_programme_decisions_meeting_id_programme_meetings'),
                                    'programme_meetings', ['meeting_id'], ['id'], ondelete='CASCADE')

    # the programme meetings' invitations, roles, agendas and minutes go with them
    edition_ids = sa.select(_meetings.c.id).where(_meetings.c.edition_id.is_not(None)).scalar_subquery()
    for name in ('meeting_attendees', 'meeting_roles', 'agenda_items', 'minutes_revisions'):
        child = sa.table(name, sa.column('meeting_id', sa.Integer))
        conn.execute(child.delete().where(child.c.meeting_id.in_(edition_ids)))
    conn.execute(_meetings.delete().where(_meetings.c.edition_id.is_not(None)))
    attendees = sa.table('meeting_attendees', sa.column('person_id', sa.Integer))
    conn.execute(attendees.delete().where(attendees.c.person_id.is_(None)))

    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_meeting_attendees_meeting_id_user_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_meeting_attendees_user_id'))
        batch_op.drop_constraint(batch_op.f('fk_meeting_attendees_user_id_users'), type_='foreignkey')
        batch_op.drop_column('user_id')
        batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_laureate_id'))
        batch_op.drop_index('ix_meetings_edition_id_starts_dt')
        batch_op.drop_constraint(batch_op.f('fk_meetings_laureate_id_programme_laureates'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_meetings_edition_id_programme_editions'), type_='foreignkey')
        batch_op.drop_column('seats_present')
        batch_op.drop_column('topic')
        batch_op.drop_column('laureate_id')
        batch_op.drop_column('edition_id')
        batch_op.alter_column('site_id', existing_type=sa.Integer(), nullable=False)
