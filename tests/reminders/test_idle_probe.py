"""The sweep's idle probe, on SQLite and PostgreSQL: it says whether there is work (a due
row, an unsent row past its expiry) and reads only the partial indexes to say it, even in
the plan PostgreSQL makes once for any value (a statement the driver prepared)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, text, update

from setupflow.clock import parse_instant as paris
from setupflow.reminders.claim import work_probe
from setupflow.reminders.models import Reminder

NOW = paris("2027-03-09T09:00")


def _rows(count: int, state: str, send_after, expires=None, start=0) -> list[dict]:
    return [{"rule": "probe_test", "subject": f"action:{start + i}", "due_dt": send_after,
             "recipient": f"person{start + i}@example.test", "recipient_name": f"Personne {i}", "language": "fr",
             "site_id": None, "template": "action_due", "context": {}, "is_digest": False, "state": state,
             "send_after_dt": send_after, "expires_dt": expires, "attempts": 1 if state == "sent" else 0,
             "message_id": None, "last_error": None, "created_dt": send_after, "updated_dt": send_after,
             "sent_dt": send_after if state == "sent" else None, "version_id": 1} for i in range(count)]


@pytest.fixture
def outbox(any_db):
    """An outbox as the benchmark's: sent rows, long expired (most of it), and some planned ahead."""
    with any_db.engine.begin() as conn:
        conn.execute(insert(Reminder.__table__), _rows(9000, "sent", NOW - timedelta(days=30), NOW - timedelta(days=1)))
        conn.execute(insert(Reminder.__table__), _rows(600, "pending", NOW + timedelta(days=3),
                                                       NOW + timedelta(days=4), start=10000))
    with any_db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return any_db


def busy(db) -> bool:
    with db.factory() as session:
        return bool(session.scalar(work_probe(NOW)))


def test_the_probe_finds_no_work_when_nothing_is_due_or_expired_and_finds_each_kind_of_work(outbox):
    assert not busy(outbox)
    with outbox.engine.begin() as conn:
        conn.execute(insert(Reminder.__table__), _rows(1, "failed", NOW - timedelta(minutes=1), start=9000))
    assert busy(outbox)  # a failed row whose retry time has come
    with outbox.engine.begin() as conn:
        conn.execute(update(Reminder.__table__).where(Reminder.subject == "action:9000")
                     .values(state="sending", leased_until=NOW + timedelta(minutes=5),
                             expires_dt=NOW - timedelta(minutes=1)))
    assert not busy(outbox)  # being sent under its lease: its expiry waits for the sweep that holds it
    with outbox.engine.begin() as conn:
        conn.execute(update(Reminder.__table__).where(Reminder.subject == "action:9000")
                     .values(leased_until=NOW - timedelta(seconds=1)))
    assert busy(outbox)  # its sweep died: past the lease, to take again
    with outbox.engine.begin() as conn:
        conn.execute(update(Reminder.__table__).where(Reminder.subject == "action:9000")
                     .values(state="pending", leased_until=None, send_after_dt=NOW + timedelta(minutes=5)))
    assert busy(outbox)  # not due yet, but past its expiry: to withdraw


def _literal(value) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        value = value.replace(tzinfo=None).isoformat(" ")  # stored as UTC without a zone
    return "'" + str(value).replace("'", "''") + "'"


def _plan(db) -> str:
    statement = work_probe(NOW)
    with db.engine.connect() as conn:
        compiled = statement.compile(conn)
        if db.backend == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled),
                                        tuple(compiled.construct_params().values()))
            return "\n".join(row[-1] for row in rows)
        # the plan made once for any value, as for a statement psycopg prepared after a few runs
        conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        sql, params = str(compiled), list(compiled.construct_params().values())
        for i, name in enumerate(compiled.construct_params(), 1):
            sql = sql.replace(f"%({name})s", f"${i}")
        conn.exec_driver_sql(f"PREPARE probe AS {sql}")
        values = ", ".join(_literal(p) for p in params)
        return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN EXECUTE probe({values})"))


def test_the_idle_probe_reads_the_partial_indexes_and_never_scans_the_outbox(outbox):
    # only the instant is bound, and inside a subquery only as the end of a lease (a filter on
    # the rows being sent), never as a bound of an indexed column: the plan made once for any
    # value (a statement psycopg prepared) reads the indexes as the first one did; with a
    # bound ``send_after_dt <= $1`` inside, that plan scanned every row of the benchmark's outbox
    compiled = work_probe(NOW).compile(outbox.engine)
    assert [type(v) for v in compiled.construct_params().values()] == [datetime] * 3, compiled.params
    assert "send_after_dt <=" not in str(compiled) and "expires_dt <" not in str(compiled), str(compiled)
    plan = _plan(outbox)
    assert "ix_reminders_unsent" in plan and "ix_reminders_expiring" in plan, plan
    if outbox.backend == "sqlite":
        assert not any(line.startswith("SCAN reminders") and "INDEX" not in line for line in plan.splitlines()), plan
    else:
        assert "Seq Scan" not in plan and "Bitmap" not in plan, plan
