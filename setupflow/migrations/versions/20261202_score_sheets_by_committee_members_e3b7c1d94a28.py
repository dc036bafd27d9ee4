"""score sheets are by a committee member of the team file; older free-text sheets are flagged

Revision ID: e3b7c1d94a28
Revises: e7b3c9d1a254
Create Date: 2026-12-02 02:00:00

A call's score sheet is by a person of the site's team file who sits on the committee
that selects (``call_scores.person_id``). Sheets recorded before that rule named their
member in free text: a text that is exactly the name of one person of the site's team
file is linked to that person (its key becomes ``#<person id>``); any other text stays
as it was, and the site's history gets one "recorded before the rule" entry per sheet.
Every existing row is marked ``before_rule``, so ``site check`` can tell them apart.
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = 'e3b7c1d94a28'
down_revision = 'e7b3c9d1a254'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('before_rule', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_call_scores_person_id'), ['person_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_call_scores_person_id_people'), 'people', ['person_id'], ['id'])

    conn = op.get_bind()
    scores = sa.table('call_scores', sa.column('id', sa.Integer), sa.column('application_id', sa.Integer),
                      sa.column('member', sa.String), sa.column('person_id', sa.Integer),
                      sa.column('before_rule', sa.Boolean))
    applications = sa.table('call_applications', sa.column('id', sa.Integer), sa.column('call_id', sa.Integer))
    calls = sa.table('calls', sa.column('id', sa.Integer), sa.column('site_id', sa.Integer))
    people = sa.table('people', sa.column('id', sa.Integer), sa.column('site_id', sa.Integer),
                      sa.column('name', sa.String))
    sites = sa.table('sites', sa.column('id', sa.Integer), sa.column('stage', sa.String))
    history = sa.table('site_history', sa.column('site_id', sa.Integer), sa.column('at_dt', sa.DateTime),
                       sa.column('actor', sa.String), sa.column('action', sa.String), sa.column('stage', sa.String),
                       sa.column('detail', sa.JSON), sa.column('reason', sa.Text))
    conn.execute(scores.update().values(before_rule=True))
    rows = conn.execute(sa.select(scores.c.id, scores.c.application_id, scores.c.member, calls.c.site_id,
                                  sites.c.stage)
                        .join(applications, applications.c.id == scores.c.application_id)
                        .join(calls, calls.c.id == applications.c.call_id)
                        .join(sites, sites.c.id == calls.c.site_id)
                        .order_by(scores.c.id)).all()
    names: dict[tuple[int, str], list[int]] = {}
    for person in conn.execute(sa.select(people.c.id, people.c.site_id, people.c.name)):
        names.setdefault((person.site_id, person.name), []).append(person.id)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    flagged = set()
    for row in rows:
        matches = names.get((row.site_id, row.member), [])
        if len(matches) == 1:
            conn.execute(scores.update().where(scores.c.id == row.id)
                         .values(person_id=matches[0], member=f"#{matches[0]}"))
        elif (row.application_id, row.member) not in flagged:
            flagged.add((row.application_id, row.member))
            conn.execute(history.insert().values(
                site_id=row.site_id, at_dt=now, actor="migration e3b7c1d94a28", action="recorded_before_rule",
                stage=row.stage, reason=None,
                detail={"rule": "score_member", "application_id": row.application_id, "member": row.member}))


def downgrade() -> None:
    conn = op.get_bind()
    scores = sa.table('call_scores', sa.column('member', sa.String), sa.column('person_id', sa.Integer))
    people = sa.table('people', sa.column('id', sa.Integer), sa.column('name', sa.String))
    # linked sheets go back to naming their member in text (the person's name)
    conn.execute(scores.update().where(scores.c.person_id.is_not(None))
                 .values(member=sa.select(people.c.name).where(people.c.id == scores.c.person_id)
                         .scalar_subquery()))
    with op.batch_alter_table('call_scores', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_call_scores_person_id_people'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_call_scores_person_id'))
        batch_op.drop_column('before_rule')
        batch_op.drop_column('person_id')
