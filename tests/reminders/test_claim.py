"""The claim, on SQLite and PostgreSQL: one statement takes the due rows, oldest planned
first, under a lease, with a stable Message-ID each; a second claim finds nothing; on
PostgreSQL two claims at once never take the same row."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from setupflow.clock import parse_instant as paris
from setupflow.db import transaction
from setupflow.reminders.claim import claim
from setupflow.reminders.models import FILLFACTOR, MailPreference, Reminder
from setupflow.reminders.operations import sync
from setupflow.reminders.planned import Planned, Recipient
from setupflow.reminders.sweep import LEASE

from test_worker_processes import DUE, fill_outbox

NOW = paris("2027-03-09T09:00")


@contextmanager
def statements(engine):
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_):
        seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_one_statement_claims_the_due_rows_under_a_lease(any_db):
    fill_outbox(any_db, 50)
    with transaction(any_db.factory) as session, statements(any_db.engine) as seen:
        rows = claim(session, NOW, 30, "setupflow.test", LEASE)
    assert seen == ["UPDATE"]  # found, locked and changed at once: nothing can change in between
    assert [r.id for r in rows] == sorted(r.id for r in rows) and len(rows) == 30
    assert len({r.message_id for r in rows}) == 30
    assert all(r.message_id.startswith(f"<reminder.{r.id}.") and r.message_id.endswith("@setupflow.test>")
               for r in rows)
    assert rows[0].context["action"]["text"] == f"Action {rows[0].id - 1}"  # decoded when read
    assert {r.due_dt for r in rows} == {None}  # only a digest needs the due instant
    with any_db.factory() as session:
        claimed = {r.id: r for r in session.scalars(select(Reminder).where(Reminder.state == "sending"))}
    assert set(claimed) == {r.id for r in rows}
    # under a lease of its own; its time to be sent stays as planned (in an index: see test below)
    assert {(r.attempts, r.version_id, r.leased_until, r.send_after_dt)
            for r in claimed.values()} == {(1, 2, NOW + LEASE, DUE)}
    assert {claimed[r.id].message_id for r in rows} == {r.message_id for r in rows}

    with transaction(any_db.factory) as session, statements(any_db.engine) as seen:
        rest = claim(session, NOW, 100, "setupflow.test", LEASE)
    assert seen == ["UPDATE"] and len(rest) == 20 and not {r.id for r in rest} & set(claimed)
    with transaction(any_db.factory) as session:
        assert claim(session, NOW, 100, "setupflow.test", LEASE) == []  # all under lease
        # after the lease, taken again with the same Message-ID
        again = claim(session, NOW + LEASE + timedelta(seconds=1), 100, "setupflow.test", LEASE)
    assert {r.id: r.message_id for r in again} == {r.id: r.message_id for r in rows + rest}


def test_a_digest_recipients_new_rows_share_one_message_id(any_db):
    with transaction(any_db.factory) as session:
        session.add(MailPreference(email="ana@ep.test", is_digest=True, digest_at="08:00", updated_dt=NOW))
    planned = [Planned("digest_test", f"action:{i}", DUE + timedelta(minutes=i), Recipient(who, "Ana Fictive"),
                       "action_due", {"site": {"id": 0, "name": "Atelier fictif"}, "name": "Ana Fictive",
                                      "action": {"id": i, "text": f"Action {i}", "due_on": "2027-03-10"}})
               for i, who in enumerate(["ana@ep.test", "ana@ep.test", "bob@cress.test"])]
    with transaction(any_db.factory) as session:
        sync(session, planned, DUE, site_id=None, rules={"digest_test"})
    with transaction(any_db.factory) as session, statements(any_db.engine) as seen:
        rows = claim(session, paris("2027-03-11T09:00"), 10, "setupflow.test", LEASE)
    assert seen == ["UPDATE", "UPDATE"]  # the second names the digest
    ana = [r for r in rows if r.recipient == "ana@ep.test"]
    assert [r.is_digest for r in ana] == [True, True] and ana[0].due_dt < ana[1].due_dt
    assert ana[0].message_id == ana[1].message_id and ana[0].message_id.startswith(f"<digest.{ana[0].id}.")
    bob = [r for r in rows if r.recipient == "bob@cress.test"]
    assert [r.is_digest for r in bob] == [False] and bob[0].message_id.startswith(f"<reminder.{bob[0].id}.")
    with any_db.factory() as session:
        stored = {r.id: r.message_id for r in session.scalars(select(Reminder))}
    assert {r.id: r.message_id for r in rows} == stored


@pytest.mark.postgres
def test_on_postgresql_two_claims_at_once_never_take_the_same_row(postgres_db):
    fill_outbox(postgres_db, 40)
    with transaction(postgres_db.factory) as first:
        mine = claim(first, NOW, 15, "setupflow.test", LEASE)  # not committed yet: its rows stay locked
        with transaction(postgres_db.factory) as second:
            theirs = claim(second, NOW, 100, "setupflow.test", LEASE)
    assert len(mine) == 15 and len(theirs) == 25
    assert not {r.id for r in mine} & {r.id for r in theirs}




def _columns(conn) -> dict[int, dict]:
    """Every column of every row of the outbox, by id."""
    return {row["id"]: dict(row) for row in conn.execute(select(Reminder.__table__)).mappings()}


@pytest.mark.postgres
def test_on_postgresql_a_claim_changes_no_column_an_index_uses_so_its_update_is_hot(postgres_db):
    # PostgreSQL writes a row's new version on its page without a new index entry (HOT)
    # only when no column an index uses (key, expression or predicate) changes and the
    # page has room; otherwise each claimed row costs an entry in every index (a claim of
    # 1,000 rows took twice as long)
    fill_outbox(postgres_db, 40)
    with postgres_db.engine.connect() as conn:
        before = _columns(conn)
        indexed = set(conn.exec_driver_sql(
            "SELECT DISTINCT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "WHERE i.indrelid = 'reminders'::regclass AND a.attnum > 0 AND NOT a.attisdropped "
            "AND (a.attnum = ANY(i.indkey) "
            "OR coalesce(pg_get_expr(i.indpred, i.indrelid), '') ~ ('\\m' || a.attname || '\\M') "
            "OR coalesce(pg_get_expr(i.indexprs, i.indrelid), '') ~ ('\\m' || a.attname || '\\M'))").scalars())
        fillfactor = conn.exec_driver_sql("SELECT reloptions FROM pg_class WHERE relname = 'reminders'").scalar()
    assert {"send_after_dt", "queue", "expires_dt", "updated_dt", "id"} <= indexed and "state" not in indexed
    assert f"fillfactor={FILLFACTOR}" in fillfactor and FILLFACTOR < 100  # room for the claimed rows' new versions

    # this backend's counts not yet reported, read before and after in one transaction
    counts = text("SELECT pg_stat_get_xact_tuples_hot_updated('reminders'::regclass), "
                  "pg_stat_get_xact_tuples_updated('reminders'::regclass)")
    with transaction(postgres_db.factory) as session:
        hot_before, updated_before = session.execute(counts).one()
        one = claim(session, NOW, 1, "setupflow.test", LEASE)
        hot, updated = session.execute(counts).one()
    assert len(one) == 1 and (hot - hot_before, updated - updated_before) == (1, 1)
    with transaction(postgres_db.factory) as session:
        rest = claim(session, NOW, 100, "setupflow.test", LEASE)
    with postgres_db.engine.connect() as conn:
        after = _columns(conn)
    assert set(after) == set(before) and len(one + rest) == len(before)
    changed = {column for i in before for column in before[i] if before[i][column] != after[i][column]}
    assert changed == {"state", "attempts", "leased_until", "message_id", "version_id"}, changed
    assert not changed & indexed, changed & indexed
