"""worker runs: how each worker job's last runs ended, for the administrator's health view

Revision ID: 5c8e1d7a2f90
Revises: 3f9d2c6b1a47
Create Date: 2026-12-01 10:40:00

A worker whose every job failed (once, its ORM mappers broke at start-up) kept running
and logging while no reminder went out, and nothing in the product showed it. Each job
run now leaves its outcome here; the notifications page of administrators and
``setupflow outbox status`` read it.
"""
import sqlalchemy as sa
from alembic import op

import setupflow.db

revision = '5c8e1d7a2f90'
down_revision = '3f9d2c6b1a47'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'worker_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job', sa.String(length=20), nullable=False),
        sa.Column('last_ok_dt', setupflow.db.UTCDateTime(), nullable=True),
        sa.Column('last_failed_dt', setupflow.db.UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('process', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_runs')),
        sa.UniqueConstraint('job', name=op.f('uq_worker_runs_job')),
    )


def downgrade() -> None:
    op.drop_table('worker_runs')
