"""applicants apply themselves; programme application files; conflicts of interest

Revision ID: a7d3e5c1b928
Revises: e7b3c5a1d942
Create Date: 2026-12-02 02:00:00

A new account role, ``applicant`` (a candidate with rights on its own applications only),
in the role checks of ``users`` and ``proconnect_roles``. ``candidacies`` hold an applicant's
draft answers to a site's call or a programme edition's call until submitted, and
``candidacy_files`` the files uploaded with a draft. ``programme_application_files``: files of
programme applications (they took none before). ``conflicts_of_interest``: a committee
member's declared conflict on an application, which forbids that member's scores on it.
"""
import sqlalchemy as sa
from alembic import op

import setupflow.db

revision = 'a7d3e5c1b928'
down_revision = 'e7b3c5a1d942'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('admin', 'cress', 'lead', 'sponsor', 'partner')"
NEW_ROLES = "role IN ('admin', 'cress', 'lead', 'sponsor', 'partner', 'applicant')"


def _roles(old: str, new: str) -> None:
    """Widen (or narrow back) the role checks. On PostgreSQL the constraint is replaced in
    place. On SQLite a batch rebuild would drop ``users``, and dropping a table with foreign
    keys on deletes the rows that cascade from it (password-reset tokens, site assignments,
    programme parts); so the stored CHECK text is edited instead, the procedure SQLite
    documents for changing a CHECK constraint (the rows' format does not change)."""
    bind = op.get_bind()
    for table in ('users', 'proconnect_roles'):
        if bind.dialect.name == 'sqlite':
            version = bind.exec_driver_sql('PRAGMA schema_version').scalar()
            bind.exec_driver_sql('PRAGMA writable_schema=ON')
            bind.execute(sa.text("UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                                 "WHERE type = 'table' AND name = :table"),
                         {'old': old, 'new': new, 'table': table})
            bind.exec_driver_sql(f'PRAGMA schema_version={int(version) + 1}')
            bind.exec_driver_sql('PRAGMA writable_schema=OFF')
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_role'), type_='check')
            batch_op.create_check_constraint('role', new)


def _file_columns():
    return [
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('stored_name', sa.String(length=64), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_dt', setupflow.db.UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    _roles(OLD_ROLES, NEW_ROLES)
    op.create_table(
        'candidacies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=True),
        sa.Column('edition_id', sa.Integer(), nullable=True),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('programme_application_id', sa.Integer(), nullable=True),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('created_dt', setupflow.db.UTCDateTime(), nullable=False),
        sa.Column('changed_dt', setupflow.db.UTCDateTime(), nullable=False),
        sa.Column('submitted_dt', setupflow.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_candidacies_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_candidacies_call_id_calls'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['edition_id'], ['programme_editions.id'],
                                name=op.f('fk_candidacies_edition_id_programme_editions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['application_id'], ['call_applications.id'],
                                name=op.f('fk_candidacies_application_id_call_applications'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['programme_application_id'], ['programme_applications.id'],
                                name=op.f('fk_candidacies_programme_application_id_programme_applications'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_candidacies')),
        sa.UniqueConstraint('user_id', 'call_id', name=op.f('uq_candidacies_user_id_call_id')),
        sa.UniqueConstraint('user_id', 'edition_id', name=op.f('uq_candidacies_user_id_edition_id')),
    )
    with op.batch_alter_table('candidacies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidacies_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidacies_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidacies_edition_id'), ['edition_id'], unique=False)
    op.create_table(
        'candidacy_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidacy_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=60), nullable=True),
        sa.Column('field', sa.String(length=60), nullable=True),
        *_file_columns(),
        sa.ForeignKeyConstraint(['candidacy_id'], ['candidacies.id'],
                                name=op.f('fk_candidacy_files_candidacy_id_candidacies'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_candidacy_files')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_candidacy_files_stored_name')),
    )
    with op.batch_alter_table('candidacy_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidacy_files_candidacy_id'), ['candidacy_id'], unique=False)
    op.create_table(
        'programme_application_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=60), nullable=False),
        sa.Column('field', sa.String(length=60), nullable=False),
        *_file_columns(),
        sa.Column('uploaded_by', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['programme_applications.id'],
                                name=op.f('fk_programme_application_files_application_id_programme_applications'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_application_files')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_programme_application_files_stored_name')),
    )
    with op.batch_alter_table('programme_application_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_application_files_application_id'), ['application_id'],
                              unique=False)
    op.create_table(
        'conflicts_of_interest',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('programme_application_id', sa.Integer(), nullable=True),
        sa.Column('member', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('declared_dt', setupflow.db.UTCDateTime(), nullable=False),
        sa.Column('declared_by', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['call_applications.id'],
                                name=op.f('fk_conflicts_of_interest_application_id_call_applications'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['programme_application_id'], ['programme_applications.id'],
                                name=op.f('fk_conflicts_of_interest_programme_application_id_programme_applications'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conflicts_of_interest')),
        sa.UniqueConstraint('application_id', 'member', name=op.f('uq_conflicts_of_interest_application_id_member')),
        sa.UniqueConstraint('programme_application_id', 'member',
                            name=op.f('uq_conflicts_of_interest_programme_application_id_member')),
    )
    with op.batch_alter_table('conflicts_of_interest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflicts_of_interest_application_id'), ['application_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_conflicts_of_interest_programme_application_id'),
                              ['programme_application_id'], unique=False)


def downgrade() -> None:
    op.drop_table('conflicts_of_interest')
    op.drop_table('programme_application_files')
    op.drop_table('candidacy_files')
    op.drop_table('candidacies')
    op.execute("DELETE FROM users WHERE role = 'applicant'")
    op.execute("DELETE FROM proconnect_roles WHERE role = 'applicant'")
    _roles(NEW_ROLES, OLD_ROLES)
