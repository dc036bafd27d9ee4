"""A statement run through ``setupflow.prepared`` (compiled once, sent with
``exec_driver_sql``) sends the same SQL and the same values as ``Connection.execute``, and
reads a row typed the same way, on SQLite and PostgreSQL; a statement whose column defaults
SQLAlchemy would compute at execution is refused."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import bindparam, event, insert, select, update

from setupflow.prepared import Prepared
from setupflow.sites.models import Decision, HistoryEntry, Site

HISTORY, SITES = HistoryEntry.__table__, Site.__table__


def _comparable(parameters):
    """psycopg's JSON wrapper compares by identity: compare what it wraps."""
    if isinstance(parameters, dict):
        return {k: ("json", v.obj) if hasattr(v, "obj") else v for k, v in parameters.items()}
    return parameters


def _sent(engine, run) -> list[tuple]:
    """(SQL, parameters) of the statements ``run(connection)`` sends, rolled back after."""
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, _comparable(parameters)))

    event.listen(engine, "before_cursor_execute", before)
    try:
        with engine.connect() as connection:
            result = run(connection)
            connection.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen, result


def test_a_prepared_write_sends_what_execute_sends(db, make_site):
    site = make_site(name="Atelier témoin", workflow="tiny")
    at = datetime(2027, 1, 4, 9, 0, 0, tzinfo=timezone.utc)  # no microseconds: SQLite keeps ".000000"
    entry = {"site_id": site.id, "at_dt": at, "actor": "Léa (fictive)", "action": "advanced", "stage": "b",
             "detail": {"source": "a", "early": None}, "reason": None}
    keys = tuple(entry)
    core, core_id = _sent(db.engine, lambda c: c.execute(insert(HISTORY), entry).inserted_primary_key[0])
    prepared, prepared_id = _sent(db.engine, lambda c: Prepared(insert(HISTORY), keys).execute(c, entry).lastrowid
                                  if c.dialect.name == "sqlite" else
                                  Prepared(insert(HISTORY).returning(HISTORY.c.id), keys).execute(c, entry).scalar())
    if db.backend == "sqlite":
        assert prepared == core, (prepared, core)
    else:  # the same parameters; the prepared INSERT returns its id in the statement
        assert prepared[0][1] == core[0][1], (prepared, core)
    assert prepared_id and core_id

    bump = update(SITES).where(SITES.c.id == bindparam("b_id"), SITES.c.version_id == bindparam("b_version"))
    values = {"b_id": site.id, "b_version": site.version_id, "stage": "b", "stage_entered_on": date(2027, 2, 1),
              "version_id": site.version_id + 1}
    core, moved = _sent(db.engine, lambda c: c.execute(bump, values).rowcount)
    prepared, moved_too = _sent(db.engine, lambda c: Prepared(bump, ("stage", "stage_entered_on", "version_id"))
                                .execute(c, values).rowcount)
    assert prepared == core and moved == moved_too == 1, (prepared, core)


def test_a_prepared_select_reads_the_row_as_execute_types_it(db, session, make_site, manager, now):
    from setupflow.sites import operations as ops

    site = make_site(name="Atelier typé", workflow="tiny", start="2027-01-04")
    ops.record_decision(session, site, key=None, value=None, text="Point d'étape (fictif)", actor=manager, now=now)
    session.commit()
    statement = (select(SITES.c.id, SITES.c.stage_entered_on, SITES.c.created_dt, HISTORY.c.detail,
                        (SITES.c.version_id > 0).label("positive"), Decision.__table__.c.text)
                 .join(HISTORY, HISTORY.c.site_id == SITES.c.id).join(Decision, Decision.site_id == SITES.c.id)
                 .where(SITES.c.id == bindparam("site_id")).order_by(HISTORY.c.id).limit(1))
    with db.engine.connect() as connection:
        expected = tuple(connection.execute(statement, {"site_id": site.id}).first())
        got = Prepared(statement).first(connection, {"site_id": site.id})
        assert Prepared(statement).first(connection, {"site_id": -1}) is None
    assert got == expected
    assert isinstance(got[1], date) and got[2].tzinfo is not None and isinstance(got[3], dict) and got[4] is True


def test_a_statement_with_a_default_computed_at_execution_is_refused(db):
    # ``detail`` has a Python default (dict): without it among the keys, SQLAlchemy computes it
    with db.engine.connect() as connection, pytest.raises(ValueError, match="default"):
        Prepared(insert(HISTORY), ("site_id", "at_dt", "actor", "action", "stage")).execute(connection, {})
