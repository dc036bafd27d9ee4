"""sites: a change of a site writes fewer index pages (no index on the stage; SQLite's
marking triggers leave a line that is already stale out of its indexes)

Revision ID: 1f94205ccd22
Revises: f3c8b1d2e7a4
Create Date: 2026-12-02 07:20:00

Every advance, tick or decision writes its site's row and history, and the triggers of
e1a7c3f9b204 mark the site's portfolio line stale. Two costs of that write served nothing:

- ``ix_sites_stage``: no statement filters or sorts sites by stage any more (the portfolio
  reads its own copy of the stage in ``site_summaries``), yet every advance moved the
  site's entry in it, and on PostgreSQL it kept the sites' UPDATE from being HOT.
- SQLite rewrites the entries of every index on a column an UPDATE assigns, even to the
  value it already has. The marking triggers set ``computed_dt = NULL`` on a line already
  stale (every change after the first of a day, and a step's history INSERT after its
  UPDATE), so each change rewrote two index entries of ``site_summaries`` for nothing. They
  now bump the generation alone when the line is already stale. The effect is the same
  (the line is stale, its generation is one higher). PostgreSQL compares the values
  before it touches an index, so its trigger function is unchanged.
- PostgreSQL: ``sites`` and ``site_summaries`` are rewritten by every change (the site's
  version, its stage; the line's generation), and an update is HOT (no index entry written)
  only when the new row version fits on the page of the old one. Both tables now leave 10 %
  of each page free (``fillfactor`` 90). It applies to the pages written from now on; an
  operator may run ``VACUUM FULL sites, site_summaries`` at a quiet time to apply it to the
  existing pages.
"""
from alembic import op

revision = '1f94205ccd22'
down_revision = 'f3c8b1d2e7a4'
branch_labels = None
depends_on = None

#: table -> the column naming the site (as in e1a7c3f9b204)
WATCHED = {"sites": "id", "site_tasks": "site_id", "decisions": "site_id", "site_history": "site_id",
           "meetings": "site_id", "action_items": "site_id", "calls": "site_id"}
OLD_MARK = "UPDATE site_summaries SET computed_dt = NULL, generation = generation + 1 WHERE site_id {target}"
NEW_MARK = ("UPDATE site_summaries SET generation = generation + 1 WHERE computed_dt IS NULL AND site_id {target}; "
            "UPDATE site_summaries SET computed_dt = NULL, generation = generation + 1 "
            "WHERE computed_dt IS NOT NULL AND site_id {target}")


def _sqlite_triggers(mark: str) -> None:
    """Create again, with ``mark`` as their body, the marking triggers of e1a7c3f9b204
    (same names, same events)."""
    for table, column in WATCHED.items():
        for kind in (("update",) if table == "sites" else ("insert", "update", "delete")):
            target = {"insert": f"= NEW.{column}", "delete": f"= OLD.{column}",
                      "update": f"IN (NEW.{column}, OLD.{column})"}[kind]
            name = f"trg_{table}_summary_{kind}"
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} AFTER {kind.upper()} ON {table} FOR EACH ROW "
                       f"BEGIN {mark.format(target=target)}; END")


#: the tables every change of a site rewrites a row of
REWRITTEN = ("sites", "site_summaries")


def upgrade() -> None:
    op.drop_index('ix_sites_stage', table_name='sites')
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers(NEW_MARK)
    else:
        for table in REWRITTEN:
            op.execute(f"ALTER TABLE {table} SET (fillfactor = 90)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers(OLD_MARK)
    else:
        for table in REWRITTEN:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    op.create_index('ix_sites_stage', 'sites', ['stage'], unique=False)
