"""portfolio: one stored summary line per site; programmes: kept sums of the report counts

Revision ID: e1a7c3f9b204
Revises: a7d3e5c1b928
Create Date: 2026-12-02 02:00:00

``site_summaries`` holds each site's health, forecast opening, next deadline, next
meeting, overdue actions and unmet gates as computed on one day, so that the portfolio
counts, filters, sorts and pages in SQL. Existing sites get their line from the first
portfolio read (or ``setupflow portfolio refresh``): it is computed from the method's
definitions, which a migration does not load.

Triggers on the tables a line is computed from mark the site's line stale (computed_dt
NULL, generation + 1) in the transaction of every change, whatever writes it. NOTE for
later migrations: SQLite's batch mode recreates a table it cannot alter in place, which
drops that table's triggers; such a migration must call ``create_triggers(op, table)``
again (``setupflow portfolio verify`` reports a missing trigger).

``programme_laureate_sums`` and ``programme_period_sums`` hold the sums of the report counts
by laureate and by period, kept by triggers on ``programme_report_values`` (filled here from
the existing values), so that a programme page reads one row per laureate and indicator.
"""
import sqlalchemy as sa
from alembic import op

import setupflow.db

#: table -> the column naming the site
WATCHED = {"sites": "id", "site_tasks": "site_id", "decisions": "site_id", "site_history": "site_id",
           "meetings": "site_id", "action_items": "site_id", "calls": "site_id"}
MARK = "UPDATE site_summaries SET computed_dt = NULL, generation = generation + 1 WHERE site_id"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION site_summary_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'sites' THEN
    {MARK} = NEW.id;
  ELSIF TG_OP = 'INSERT' THEN
    {MARK} = NEW.site_id;
  ELSIF TG_OP = 'DELETE' THEN
    {MARK} = OLD.site_id;
  ELSE
    {MARK} IN (NEW.site_id, OLD.site_id);
  END IF;
  RETURN NULL;
END $$
"""


#: sum table -> its key column besides edition and indicator
SUMS = {"programme_laureate_sums": "laureate_id", "programme_period_sums": "period"}


def _sum_sql(table: str, key: str, row: str, sign: str) -> str:
    """Add (sign +) or remove (sign -) the value ``row`` (NEW or OLD) to its sum row."""
    if sign == "+":
        return (f"INSERT INTO {table} (edition_id, {key}, indicator, total, \"values\") "
                f"VALUES ({row}.edition_id, {row}.{key}, {row}.indicator, {row}.count, 1) "
                f"ON CONFLICT (edition_id, {key}, indicator) DO UPDATE SET "
                f"total = {table}.total + excluded.total, \"values\" = {table}.\"values\" + 1; ")
    return (f"UPDATE {table} SET total = total - {row}.count, \"values\" = \"values\" - 1 "
            f"WHERE edition_id = {row}.edition_id AND {key} = {row}.{key} AND indicator = {row}.indicator; "
            f"DELETE FROM {table} WHERE edition_id = {row}.edition_id AND {key} = {row}.{key} "
            f"AND indicator = {row}.indicator AND \"values\" <= 0; ")


def create_sum_triggers(operations) -> None:
    if operations.get_bind().dialect.name == "postgresql":
        body = {op: "".join(_sum_sql(t, k, row, sign) for t, k in SUMS.items() for row, sign in pairs)
                for op, pairs in (("INSERT", (("NEW", "+"),)), ("DELETE", (("OLD", "-"),)),
                                  ("UPDATE", (("OLD", "-"), ("NEW", "+"))))}
        operations.execute(f"""
CREATE OR REPLACE FUNCTION programme_sums_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN {body['INSERT']}
  ELSIF TG_OP = 'DELETE' THEN {body['DELETE']}
  ELSE {body['UPDATE']}
  END IF;
  RETURN NULL;
END $$""")
        operations.execute("CREATE TRIGGER trg_programme_report_values_sums AFTER INSERT OR UPDATE OR DELETE "
                           "ON programme_report_values FOR EACH ROW EXECUTE FUNCTION programme_sums_keep()")
        return
    for op_name, pairs in (("insert", (("NEW", "+"),)), ("delete", (("OLD", "-"),)),
                           ("update", (("OLD", "-"), ("NEW", "+")))):
        body = "".join(_sum_sql(t, k, row, sign) for t, k in SUMS.items() for row, sign in pairs)
        operations.execute(f"CREATE TRIGGER trg_programme_report_values_sums_{op_name} AFTER {op_name.upper()} "
                           f"ON programme_report_values FOR EACH ROW BEGIN {body} END")


def drop_sum_triggers(operations) -> None:
    if operations.get_bind().dialect.name == "postgresql":
        operations.execute("DROP TRIGGER IF EXISTS trg_programme_report_values_sums ON programme_report_values")
        operations.execute("DROP FUNCTION IF EXISTS programme_sums_keep()")
        return
    for op_name in ("insert", "delete", "update"):
        operations.execute(f"DROP TRIGGER IF EXISTS trg_programme_report_values_sums_{op_name}")


def trigger_names(table: str) -> list[str]:
    ops = ("update",) if table == "sites" else ("insert", "update", "delete")
    return [f"trg_{table}_summary_{o}" for o in ops]


def create_triggers(operations, table: str) -> None:
    """The triggers that mark a site's line stale on a change of ``table`` (both backends)."""
    column = WATCHED[table]
    if operations.get_bind().dialect.name == "postgresql":
        events = "UPDATE" if table == "sites" else "INSERT OR UPDATE OR DELETE"
        operations.execute(f"CREATE TRIGGER trg_{table}_summary AFTER {events} ON {table} "
                           f"FOR EACH ROW EXECUTE FUNCTION site_summary_stale()")
        return
    for name in trigger_names(table):
        kind = name.rsplit("_", 1)[1]
        target = {"insert": f"= NEW.{column}", "delete": f"= OLD.{column}",
                  "update": f"IN (NEW.{column}, OLD.{column})"}[kind]
        operations.execute(f"CREATE TRIGGER {name} AFTER {kind.upper()} ON {table} FOR EACH ROW "
                           f"BEGIN {MARK} {target}; END")


def drop_triggers(operations, table: str) -> None:
    if operations.get_bind().dialect.name == "postgresql":
        operations.execute(f"DROP TRIGGER IF EXISTS trg_{table}_summary ON {table}")
        return
    for name in trigger_names(table):
        operations.execute(f"DROP TRIGGER IF EXISTS {name}")

revision = 'e1a7c3f9b204'
down_revision = 'a7d3e5c1b928'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'site_summaries',
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('computed_dt', setupflow.db.UTCDateTime(), nullable=True),
        sa.Column('health', sa.String(length=10), nullable=False),
        sa.Column('health_rank', sa.SmallInteger(), nullable=False),
        sa.Column('health_reason', sa.String(length=20), nullable=False),
        sa.Column('stage_index', sa.Integer(), nullable=False),
        sa.Column('stage_count', sa.Integer(), nullable=False),
        sa.Column('opening_earliest', sa.Date(), nullable=True),
        sa.Column('opening_latest', sa.Date(), nullable=True),
        sa.Column('deadline_id', sa.String(length=60), nullable=True),
        sa.Column('deadline_earliest', sa.Date(), nullable=True),
        sa.Column('deadline_latest', sa.Date(), nullable=True),
        sa.Column('deadline_estimate', sa.Boolean(), nullable=False),
        sa.Column('next_meeting_id', sa.Integer(), nullable=True),
        sa.Column('next_meeting_dt', setupflow.db.UTCDateTime(), nullable=True),
        sa.Column('next_meeting_committee', sa.String(length=60), nullable=True),
        sa.Column('overdue_actions', sa.Integer(), nullable=False),
        sa.Column('unmet_gates', sa.String(length=600), nullable=True),
        sa.Column('generation', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_summaries_site_id_sites'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('site_id', name=op.f('pk_site_summaries')),
    )
    with op.batch_alter_table('site_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_summaries_computed_dt'), ['computed_dt'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_summaries_next_meeting_dt'), ['next_meeting_dt'], unique=False)
        batch_op.create_index('ix_site_summaries_health_rank', ['health_rank'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
    for table in WATCHED:
        create_triggers(op, table)
    for table, key in SUMS.items():
        key_type = sa.Integer() if key == "laureate_id" else sa.String(length=10)
        op.create_table(
            table,
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('edition_id', sa.Integer(), nullable=False),
            sa.Column(key, key_type, nullable=False),
            sa.Column('indicator', sa.String(length=60), nullable=False),
            sa.Column('total', sa.Integer(), nullable=False),
            sa.Column('values', sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
            sa.UniqueConstraint('edition_id', key, 'indicator', name=op.f(f'uq_{table}_edition_id_{key}_indicator')),
        )
        op.execute(f'INSERT INTO {table} (edition_id, {key}, indicator, total, "values") '
                   f'SELECT edition_id, {key}, indicator, SUM(count), COUNT(*) FROM programme_report_values '
                   f'GROUP BY edition_id, {key}, indicator')
    create_sum_triggers(op)


def downgrade() -> None:
    drop_sum_triggers(op)
    for table in SUMS:
        op.drop_table(table)
    for table in WATCHED:
        drop_triggers(op, table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS site_summary_stale()")
    with op.batch_alter_table('site_summaries', schema=None) as batch_op:
        batch_op.drop_index('ix_site_summaries_health_rank')
        batch_op.drop_index(batch_op.f('ix_site_summaries_next_meeting_dt'))
        batch_op.drop_index(batch_op.f('ix_site_summaries_computed_dt'))
    op.drop_table('site_summaries')
