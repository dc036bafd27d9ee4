"""reminders: a claim writes no indexed column, so that on PostgreSQL its update is HOT

Revision ID: 9d41c7e2a6b8
Revises: 1f94205ccd22
Create Date: 2026-12-02 07:30:00

A claim (pending/failed -> sending, 1,000 rows a sweep) changed ``state``, which the
predicates of three partial indexes named, and ``send_after_dt`` (the lease) and
``updated_dt``, two index keys: PostgreSQL wrote each claimed row's new version with a new
entry in each of its indexes (~7 WAL records a row; 20-30 ms a claim of 1,000 rows with
fsync on). Now:

- the lease of a row being sent is ``leased_until``, in no index; ``send_after_dt`` stays
  what it was (the rows being sent at upgrade time carry their lease over: ``leased_until``
  = their ``send_after_dt``, the end of their lease; back on downgrade);
- ``queue`` is generated from ``state`` by the database (``unsent`` for pending, sending
  and failed, ``dead``, NULL otherwise) and PostgreSQL's partial indexes are on it, not on
  ``state``: a claim changes ``state`` but not ``queue``. The index of expiries holds every
  unsent row there (the rows being sent are left out by a filter on the row);
- PostgreSQL: ``fillfactor`` 70, room on each page for the new versions of claimed rows.

On PostgreSQL, adding the stored generated column rewrites the table once, under an
exclusive lock (as long as a VACUUM FULL of it): the fillfactor is set first, so the
rewrite already leaves the room on every page and rebuilds every index; no VACUUM FULL
is needed after this migration (an operator may still run one later, out of hours, if a
long outage left the table bloated), and rows written later follow the fillfactor by
themselves. The table takes about 1/0.7 of its former pages.

SQLite has no HOT: only the two columns are added (``queue`` virtual: ALTER TABLE cannot
add a stored one), its indexes stay on ``state``; no table is rebuilt (reminders has no
trigger anyway).
"""
from alembic import op
import sqlalchemy as sa

import setupflow.db

revision = '9d41c7e2a6b8'
down_revision = '1f94205ccd22'
branch_labels = None
depends_on = None

QUEUE_SQL = "CASE WHEN state IN ('pending', 'sending', 'failed') THEN 'unsent' WHEN state = 'dead' THEN 'dead' END"
#: PostgreSQL's partial indexes, before (on the state) and after (on the queue)
INDEXES = {'ix_reminders_unsent': ('send_after_dt', "state IN ('pending', 'sending', 'failed')", "queue = 'unsent'"),
           'ix_reminders_expiring': ('expires_dt', "state IN ('pending', 'failed')", "queue = 'unsent'"),
           'ix_reminders_dead': ('updated_dt', "state = 'dead'", "queue = 'dead'")}
FILLFACTOR = 70


def _drop_indexes(on_queue: bool) -> None:
    for name, (_column, on_state_sql, on_queue_sql) in INDEXES.items():
        op.drop_index(name, table_name='reminders', postgresql_where=sa.text(on_queue_sql if on_queue else on_state_sql))


def _create_indexes(on_queue: bool) -> None:
    for name, (column, on_state_sql, on_queue_sql) in INDEXES.items():
        op.create_index(name, 'reminders', [column], unique=False,
                        postgresql_where=sa.text(on_queue_sql if on_queue else on_state_sql))


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # before the rewrite: it fills the pages by the new fillfactor, and skips the old indexes
        op.execute(f"ALTER TABLE reminders SET (fillfactor={FILLFACTOR})")
        _drop_indexes(on_queue=False)
    op.add_column('reminders', sa.Column('leased_until', setupflow.db.UTCDateTime(), nullable=True))
    op.execute("UPDATE reminders SET leased_until = send_after_dt WHERE state = 'sending'")
    # stored on PostgreSQL (an index needs it; 18 would make it virtual by default), virtual on
    # SQLite (ALTER TABLE cannot add a stored one there)
    op.add_column('reminders', sa.Column('queue', sa.String(length=6), sa.Computed(QUEUE_SQL, persisted=postgresql or None),
                                         nullable=True))
    if postgresql:
        _create_indexes(on_queue=True)
        op.execute("ANALYZE reminders")  # the planner's statistics of the new column, at once


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        _drop_indexes(on_queue=True)
    # a row being sent: its lease back in send_after_dt (the sweep takes it again after both)
    op.execute("UPDATE reminders SET send_after_dt = leased_until "
               "WHERE state = 'sending' AND leased_until IS NOT NULL AND leased_until > send_after_dt")
    op.drop_column('reminders', 'queue')
    op.drop_column('reminders', 'leased_until')
    if postgresql:
        _create_indexes(on_queue=False)
        op.execute("ALTER TABLE reminders RESET (fillfactor)")
