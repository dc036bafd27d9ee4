"""`alembic upgrade head` works from every earlier revision with data in it: walk the
revisions one step at a time, fill each new table with a representative row (built from
the reflected table, so a new migration is covered without touching this test), and check
that every row survives to head."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Integer, MetaData, String, Text, select, text
from sqlalchemy.types import Numeric

from setupflow import migrate
from setupflow.all_models import metadata

from . import counters

#: every migration, one step at a time, with data
pytestmark = pytest.mark.slow

#: values a check constraint or the method requires, by (table, column)
REQUIRED = {("users", "role"): "admin", ("users", "language"): "fr", ("users", "email"): "old@example.org",
            ("proconnect_roles", "role"): "lead"}
#: tables a migration folded into another, with the rows they held: {table: (into, {column: value it keeps})}
MOVED = {"programme_meetings": ("meetings", {"edition_id": "edition_id", "starts_dt": "starts_dt",
                                             "committee_id": "kind", "topic": "key", "status": "status"})}
#: columns that follow a moved row to its new id
FOLLOWS = {("programme_decisions", "meeting_id")}
#: rows kept by triggers from other rows: they must survive, their values follow the others
#: (a later migration's data fix, e.g. a history entry, marks a portfolio line stale)
DERIVED = {"site_summaries", "programme_laureate_sums", "programme_period_sums", "site_summary_counts"}


def _value(table, column, parents: dict[str, int], n: int):
    if (table.name, column.name) in REQUIRED:
        return REQUIRED[(table.name, column.name)]
    for fk in column.foreign_keys:
        target = fk.column.table.name
        if target == table.name:
            return None
        return parents[target]
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, (Integer, BigInteger, Numeric)):
        return n
    if isinstance(kind, DateTime):
        return datetime(2026, 5, 1, 8, 30)
    if isinstance(kind, Date):
        return date(2026, 5, 1)
    if isinstance(kind, JSON):
        return {"kept": n}
    if isinstance(kind, (String, Text)):
        length = getattr(kind, "length", None) or 40
        return f"{table.name[:3]}{n}"[:length]
    raise AssertionError(f"{table.name}.{column.name}: no representative value for {kind!r}")


def reflect(engine) -> MetaData:
    """The schema the database has now (read once per step of the walk)."""
    reflected = MetaData()
    reflected.reflect(engine)
    return reflected


def stored_row(conn, table, key, value):
    """The row of ``table`` whose ``key`` is ``value``, as a mapping of typed values. Written
    as text with its columns' types rather than as a select() of a freshly reflected table,
    which SQLAlchemy would compile anew for each row of each step."""
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    query = text(f'SELECT {names} FROM "{table.name}" WHERE "{key.name}" = :value').columns(*table.columns)
    return conn.execute(query, {"value": value}).mappings().one_or_none()


def fill_new_tables(engine, filled: dict[str, dict], reflected: MetaData | None = None) -> int:
    """Insert one row in every table not yet filled; returns how many rows were inserted."""
    reflected = reflected if reflected is not None else reflect(engine)
    inserted = 0
    with engine.begin() as conn:
        for table in reflected.sorted_tables:
            if table.name in filled or table.name == "alembic_version":
                continue
            parents = {name: row.get("id") for name, row in filled.items()}
            # the key is generated when it is a number (``id``), given when it is a text (rate_limits.key)
            # or another table's key (site_summaries.site_id)
            key = next(iter(table.primary_key.columns))
            made = conn.execute(select(table).limit(1)).mappings().first() if table.name in DERIVED else None
            if made is not None:  # a trigger made it from another row (a new site's stale portfolio line)
                filled[table.name] = dict(made)
                inserted += 1
                continue
            # a generated column (reminders.queue) is the database's to write
            values = {c.name: _value(table, c, parents, len(filled) + 1) for c in table.columns
                      if not (c.primary_key and isinstance(c.type, Integer) and not c.foreign_keys)
                      and c.computed is None}
            new_id = conn.execute(table.insert().values(**values).returning(key)).scalar_one()
            filled[table.name] = {**values, key.name: new_id}
            inserted += 1
        # what is stored, once every row is in: a trigger may keep a derived row up to date
        # (site_summaries is marked stale by the rows of its site inserted after it)
        for name, row in filled.items():
            if name not in reflected.tables:  # moved into another table (MOVED), checked there
                continue
            table = reflected.tables[name]
            key = next(iter(table.primary_key.columns))
            stored = stored_row(conn, table, key, row[key.name])
            assert stored is not None, f"{name} row {row[key.name]} gone once every row was in"
            filled[name] = {column: stored[column] if column in stored else value for column, value in row.items()}
    return inserted


def assert_rows_survive(engine, filled: dict[str, dict], reflected: MetaData | None = None) -> None:
    reflected = reflected if reflected is not None else reflect(engine)
    with engine.connect() as conn:
        for name, row in filled.items():
            if name in MOVED and name not in reflected.tables:
                into, columns = MOVED[name]
                target = reflected.tables[into]
                found = conn.execute(select(target).where(*(target.c[new] == row[old] for new, old in columns.items()
                                                            if old in row))).first()
                assert found is not None, f"{name} row {row['id']} lost when its table moved into {into}"
                continue
            assert name in reflected.tables, f"table {name} disappeared with its data"
            table = reflected.tables[name]
            key = next(iter(table.primary_key.columns))
            stored = stored_row(conn, table, key, row[key.name])
            assert stored is not None, f"{name} row {row[key.name]} lost by an upgrade"
            for column, value in row.items():
                if (name, column) in FOLLOWS or name in DERIVED:
                    continue
                if column in stored and not isinstance(value, (datetime, dict)):
                    assert stored[column] == value, f"{name}.{column} changed by an upgrade"


def test_upgrading_one_revision_at_a_time_keeps_every_row(db):
    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    migrate.downgrade(db.engine, "base")
    filled: dict[str, dict] = {}
    for revision in revisions:
        migrate.upgrade(db.engine, revision)
        reflected = reflect(db.engine)  # the same schema for both: the step's upgrade is done
        assert_rows_survive(db.engine, filled, reflected)
        fill_new_tables(db.engine, filled, reflected)
        counters.add("migration steps walked with data")
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert_rows_survive(db.engine, filled)
    assert set(filled) - set(MOVED) == set(metadata.tables), "every table of the models got a row along the way"


def test_a_database_emptied_by_a_downgrade_upgrades_again_and_takes_data(db):
    migrate.downgrade(db.engine, "base")
    migrate.upgrade(db.engine)
    filled: dict[str, dict] = {}
    assert fill_new_tables(db.engine, filled) == len(metadata.tables)
    assert_rows_survive(db.engine, filled)
