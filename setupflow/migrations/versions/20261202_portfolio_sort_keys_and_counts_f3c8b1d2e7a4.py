"""portfolio: the page's sort keys and filters stored in the lines, with their indexes; counts kept by key

Revision ID: f3c8b1d2e7a4
Revises: c4e9a1f7b360
Create Date: 2026-12-02 05:00:00

So that neither the portfolio page nor its counts read every visible site:

- ``site_summaries`` gets the site's columns the page filters and sorts on (the name as
  it sorts, stage, region, DISP, definition, target opening) and the deadline's sort key,
  filled here from ``sites``, and one index per sort and per filter, each ending with the
  page's tie breakers (name, id): a page is an index range up to its LIMIT; a partial index
  of the lines marked stale (the reader's probe);
- ``site_summary_counts`` holds how many lines have each (health, stage, region, DISP)
  key, for every site (user_id 0) and for the sites linked to each user (``user_sites``),
  kept by triggers on ``site_summaries`` and ``user_sites``: the counts of a scope are a
  sum over a few rows;
- a new site gets a stale line at once (a trigger on ``sites``), so that every site is
  counted and no reader has to look for the sites without a line.

Only columns are added and indexes created (no table is rebuilt): the triggers of
e1a7c3f9b204 stay. A later SQLite batch migration that rebuilds ``sites``,
``site_summaries`` or ``user_sites`` must call ``create_triggers`` of this module again
(``setupflow portfolio verify`` reports a missing trigger).
"""
import sqlalchemy as sa
from alembic import op

revision = 'f3c8b1d2e7a4'
down_revision = 'c4e9a1f7b360'
branch_labels = None
depends_on = None

INDEXES = {"by_name": (), "by_health": ("health_rank",), "by_stage": ("stage_index",),
           "by_opening": ("target_opening_on",), "by_deadline": ("deadline_key",), "by_region": ("region",),
           "by_disp": ("disp",), "by_stage_id": ("stage",)}
COUNT_COLUMNS = "user_id, region, disp, health, stage, snapshot_id, stage_index"
NO_DEADLINE = "'9999-12-31'"
KEYS = ("health", "stage", "region", "disp", "snapshot_id", "stage_index")


def _key(row: str) -> str:
    return (f"COALESCE({row}.region, ''), COALESCE({row}.disp, ''), {row}.health, {row}.stage, "
            f"{row}.snapshot_id, {row}.stage_index")


def _add(row: str, sign: str, only_user: str | None = None) -> str:
    """Add 1 (sign '1') or -1 (sign '-1') to the counts of the line ``row`` (NEW or OLD):
    every site's (user 0) and those of the users linked to its site; with ``only_user``,
    that user's alone."""
    if only_user:
        source = (f"SELECT {only_user}, {_key('s')}, {sign} FROM site_summaries s "
                  f"WHERE s.site_id = {row}.site_id")
    else:
        source = (f"SELECT 0, {_key(row)}, {sign} UNION ALL "
                  f"SELECT u.user_id, {_key(row)}, {sign} FROM user_sites u WHERE u.site_id = {row}.site_id")
    return (f"INSERT INTO site_summary_counts ({COUNT_COLUMNS}, n) {source} "
            f"ON CONFLICT ({COUNT_COLUMNS}) DO UPDATE SET n = site_summary_counts.n + excluded.n;")


def _stub(dialect: str) -> str:
    lower = "lower(NEW.name COLLATE \"C\")" if dialect == "postgresql" else "lower(NEW.name)"
    false = "FALSE" if dialect == "postgresql" else "0"
    return ("INSERT INTO site_summaries (site_id, computed_dt, generation, health, health_rank, health_reason, "
            "stage_index, stage_count, deadline_estimate, overdue_actions, name_key, stage, region, disp, "
            "snapshot_id, target_opening_on, deadline_key) "
            f"VALUES (NEW.id, NULL, 0, '', 9, '', 0, 0, {false}, 0, {lower}, NEW.stage, NEW.region, NEW.disp, "
            f"NEW.snapshot_id, NEW.target_opening_on, {NO_DEADLINE}) ON CONFLICT (site_id) DO NOTHING;")


def _triggers(dialect: str) -> dict:
    """trigger name -> (table, event, WHEN condition or None, body): the same names on both backends."""
    if dialect == "postgresql":
        changed = " OR ".join(f"OLD.{k} IS DISTINCT FROM NEW.{k}" for k in KEYS)
        link_changed = "OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.site_id IS DISTINCT FROM NEW.site_id"
    else:
        changed = " OR ".join(f"OLD.{k} IS NOT NEW.{k}" for k in KEYS)
        link_changed = "OLD.user_id IS NOT NEW.user_id OR OLD.site_id IS NOT NEW.site_id"
    return {
        "trg_site_summaries_counts_insert": ("site_summaries", "INSERT", None, _add("NEW", "1")),
        "trg_site_summaries_counts_delete": ("site_summaries", "DELETE", None, _add("OLD", "-1")),
        "trg_site_summaries_counts_update": ("site_summaries", "UPDATE", changed,
                                             _add("OLD", "-1") + " " + _add("NEW", "1")),
        "trg_user_sites_counts_insert": ("user_sites", "INSERT", None, _add("NEW", "1", "NEW.user_id")),
        "trg_user_sites_counts_delete": ("user_sites", "DELETE", None, _add("OLD", "-1", "OLD.user_id")),
        "trg_user_sites_counts_update": ("user_sites", "UPDATE", link_changed,
                                         _add("OLD", "-1", "OLD.user_id") + " " + _add("NEW", "1", "NEW.user_id")),
        "trg_sites_summary_new": ("sites", "INSERT", None, _stub(dialect)),
    }


TRIGGER_NAMES = tuple(_triggers("sqlite"))


def create_triggers(operations, table: str) -> None:
    """This migration's triggers on ``table`` (sites, site_summaries or user_sites), both
    backends (PostgreSQL: one function a trigger, named like it)."""
    dialect = operations.get_bind().dialect.name
    for name, (on, event, condition, body) in _triggers(dialect).items():
        if on != table:
            continue
        if dialect == "postgresql":
            operations.execute(f"CREATE OR REPLACE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                               f"BEGIN {body}\n  RETURN NULL;\nEND $$")
            when = f" WHEN ({condition})" if condition else ""
            operations.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} "
                               f"EXECUTE FUNCTION {name}_fn()")
        else:
            when = f" WHEN {condition}" if condition else ""
            operations.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN {body} END")


def drop_triggers(operations, table: str) -> None:
    dialect = operations.get_bind().dialect.name
    for name, (on, *_rest) in _triggers(dialect).items():
        if on == table:
            if dialect == "postgresql":
                operations.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                operations.execute(f"DROP FUNCTION IF EXISTS {name}_fn()")
            else:
                operations.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    name_type = sa.String(length=200, collation="C") if dialect == "postgresql" else sa.String(length=200)
    for column in (sa.Column('name_key', name_type, nullable=True),
                   sa.Column('stage', sa.String(length=60), nullable=True),
                   sa.Column('region', sa.String(length=100), nullable=True),
                   sa.Column('disp', sa.String(length=100), nullable=True),
                   sa.Column('snapshot_id', sa.Integer(), nullable=True),
                   sa.Column('target_opening_on', sa.Date(), nullable=True),
                   sa.Column('deadline_key', sa.Date(), nullable=True)):
        op.add_column('site_summaries', column)  # ALTER TABLE ADD COLUMN: no rebuild, the triggers stay
    lower = 'lower(s.name COLLATE "C")' if dialect == "postgresql" else "lower(s.name)"
    copied = {"name_key": lower, "stage": "s.stage", "region": "s.region", "disp": "s.disp",
              "snapshot_id": "s.snapshot_id", "target_opening_on": "s.target_opening_on"}
    op.execute("UPDATE site_summaries SET " + ", ".join(
        f"{column} = (SELECT {value} FROM sites s WHERE s.id = site_summaries.site_id)"
        for column, value in copied.items()) + f", deadline_key = COALESCE(deadline_earliest, {NO_DEADLINE})")
    false = "FALSE" if dialect == "postgresql" else "0"
    op.execute("INSERT INTO site_summaries (site_id, computed_dt, generation, health, health_rank, health_reason, "
               "stage_index, stage_count, deadline_estimate, overdue_actions, name_key, stage, region, disp, "
               "snapshot_id, target_opening_on, deadline_key) "
               f"SELECT s.id, NULL, 0, '', 9, '', 0, 0, {false}, 0, {lower}, s.stage, s.region, s.disp, "
               f"s.snapshot_id, s.target_opening_on, {NO_DEADLINE} FROM sites s "
               "WHERE NOT EXISTS (SELECT 1 FROM site_summaries x WHERE x.site_id = s.id)")
    op.drop_index('ix_site_summaries_health_rank', table_name='site_summaries')
    for name, keys in INDEXES.items():
        op.create_index(f'ix_site_summaries_{name}', 'site_summaries', [*keys, 'name_key', 'site_id'], unique=False)
    op.create_index('ix_site_summaries_marked', 'site_summaries', ['site_id'], unique=False,
                    sqlite_where=sa.text('computed_dt IS NULL'), postgresql_where=sa.text('computed_dt IS NULL'))
    op.create_table(
        'site_summary_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('region', sa.String(length=100), nullable=False),
        sa.Column('disp', sa.String(length=100), nullable=False),
        sa.Column('health', sa.String(length=10), nullable=False),
        sa.Column('stage', sa.String(length=60), nullable=False),
        sa.Column('snapshot_id', sa.Integer(), nullable=False),
        sa.Column('stage_index', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_summary_counts')),
        sa.UniqueConstraint('user_id', 'region', 'disp', 'health', 'stage', 'snapshot_id', 'stage_index',
                            name='uq_site_summary_counts_key'),
    )
    key = "COALESCE(s.region, ''), COALESCE(s.disp, ''), s.health, s.stage, s.snapshot_id, s.stage_index"
    op.execute(f"INSERT INTO site_summary_counts ({COUNT_COLUMNS}, n) SELECT 0, {key}, COUNT(*) "
               f"FROM site_summaries s GROUP BY {key}")
    op.execute(f"INSERT INTO site_summary_counts ({COUNT_COLUMNS}, n) SELECT u.user_id, {key}, COUNT(*) "
               f"FROM site_summaries s JOIN user_sites u ON u.site_id = s.site_id GROUP BY u.user_id, {key}")
    for table in ("site_summaries", "user_sites", "sites"):
        create_triggers(op, table)


def downgrade() -> None:
    for table in ("site_summaries", "user_sites", "sites"):
        drop_triggers(op, table)
    op.drop_table('site_summary_counts')
    op.drop_index('ix_site_summaries_marked', table_name='site_summaries')
    for name in INDEXES:
        op.drop_index(f'ix_site_summaries_{name}', table_name='site_summaries')
    op.execute("DELETE FROM site_summaries WHERE computed_dt IS NULL AND health = ''")  # the lines not computed yet
    for column in ('deadline_key', 'target_opening_on', 'snapshot_id', 'disp', 'region', 'stage', 'name_key'):
        # ALTER TABLE DROP COLUMN (SQLite >= 3.35): a batch rebuild fails on SQLite, the
        # triggers of e1a7c3f9b204 naming site_summaries
        op.execute(f"ALTER TABLE site_summaries DROP COLUMN {column}")
    op.create_index('ix_site_summaries_health_rank', 'site_summaries', ['health_rank'], unique=False)
