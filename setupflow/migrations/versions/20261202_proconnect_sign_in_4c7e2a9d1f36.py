"""proconnect sign-in: accounts linked to an OpenID Connect subject, roles that must use it

Revision ID: 4c7e2a9d1f36
Revises: 9a4f2b6c1d83
Create Date: 2026-12-02 00:00:00

A person signs in with ProConnect (the state's OpenID Connect federation for
professionals) beside passwords. Their first sign-in links the account whose e-mail
matches to the provider's subject (``sub``), which identifies them afterwards; an
administrator can require ProConnect for a role (``proconnect_roles``).
"""
import sqlalchemy as sa
from alembic import op

import setupflow.db

revision = '4c7e2a9d1f36'
down_revision = '9a4f2b6c1d83'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN and CREATE INDEX: a batch rebuild of ``users`` on SQLite would drop
    # the table, and with it (ON DELETE CASCADE) every reset token and site assignment
    op.add_column('users', sa.Column('oidc_issuer', sa.String(length=300), nullable=True))
    op.add_column('users', sa.Column('oidc_subject', sa.String(length=255), nullable=True))
    op.add_column('users', sa.Column('oidc_linked_dt', setupflow.db.UTCDateTime(), nullable=True))
    op.create_index('ix_users_oidc_issuer_oidc_subject', 'users', ['oidc_issuer', 'oidc_subject'], unique=True)
    op.create_table(
        'proconnect_roles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('since_dt', setupflow.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'cress', 'lead', 'sponsor', 'partner')",
                           name=op.f('ck_proconnect_roles_role')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proconnect_roles')),
        sa.UniqueConstraint('role', name=op.f('uq_proconnect_roles_role')),
    )


def downgrade() -> None:
    op.drop_table('proconnect_roles')
    op.drop_index('ix_users_oidc_issuer_oidc_subject', table_name='users')
    op.drop_column('users', 'oidc_linked_dt')
    op.drop_column('users', 'oidc_subject')
    op.drop_column('users', 'oidc_issuer')
