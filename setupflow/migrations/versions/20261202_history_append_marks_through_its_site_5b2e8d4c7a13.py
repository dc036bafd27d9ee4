"""site_history: appending an entry no longer marks the site's portfolio line a second time

Revision ID: 5b2e8d4c7a13
Revises: fbceb95d9ef6
Create Date: 2026-12-02 11:00:00

An entry is only ever appended together with a write of its site's row: every recorded
change goes through ``sites.records.write_change`` (the versioned UPDATE of the site and
the INSERT of its entry, one statement on PostgreSQL), and an imported site
(``transfer.load_site``) is a new row whose line starts stale. The site's UPDATE trigger
has therefore marked the line already when the entry's INSERT trigger marked it again:
a second UPDATE of ``site_summaries`` in every step, which cost 0.10 of the 0.24 ms the
server spent on a step's write (pg_stat_statements, PostgreSQL 15, fsync on) and a WAL
record. An UPDATE or a DELETE of an entry (history is append-only; by hand only) still
marks the line.
"""
from alembic import op

revision = '5b2e8d4c7a13'
down_revision = 'fbceb95d9ef6'
branch_labels = None
depends_on = None

#: the body of SQLite's marking triggers since 1f94205ccd22
SQLITE_MARK = ("UPDATE site_summaries SET generation = generation + 1 WHERE computed_dt IS NULL AND site_id = NEW.site_id; "
               "UPDATE site_summaries SET computed_dt = NULL, generation = generation + 1 "
               "WHERE computed_dt IS NOT NULL AND site_id = NEW.site_id")


def _postgresql_events(events: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS trg_site_history_summary ON site_history")
    op.execute(f"CREATE TRIGGER trg_site_history_summary AFTER {events} ON site_history "
               "FOR EACH ROW EXECUTE FUNCTION site_summary_stale()")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_events("UPDATE OR DELETE")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_site_history_summary_insert")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_events("INSERT OR UPDATE OR DELETE")
    else:
        op.execute("CREATE TRIGGER trg_site_history_summary_insert AFTER INSERT ON site_history FOR EACH ROW "
                   f"BEGIN {SQLITE_MARK}; END")
