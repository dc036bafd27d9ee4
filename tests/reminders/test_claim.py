"""The claim, on SQLite and PostgreSQL: one statement takes the due rows, oldest planned
first, under a lease, with a stable Message-ID each; a second claim finds nothing; on
PostgreSQL two claims at once never take the same row."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from setupflow.clock import parse_instant as paris
from setupflow.db import transaction
from setupflow.reminders.claim import claim
from setupflow.reminders.models import MailPreference, Reminder
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
    assert {(r.attempts, r.version_id, r.send_after_dt) for r in claimed.values()} == {(1, 2, NOW + LEASE)}
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


def test_a_claimed_row_enters_only_the_indexes_a_row_being_sent_needs():
    # on PostgreSQL a claim changes the state: its update cannot be HOT, so the row gets a
    # new entry in every index its new version belongs to, 1,000 rows a claim. A row being
    # sent is found by its id, its idempotency key, its site, and again when its lease ends
    import sqlite3

    table = Reminder.__table__
    sending = sqlite3.connect(":memory:")
    entered = {"primary key"} | {"unique " + ",".join(c.name for c in u.columns)
                                 for u in table.constraints if type(u).__name__ == "UniqueConstraint"}
    for index in table.indexes:
        where = index.dialect_options["postgresql"]["where"]
        admits = where is None or sending.execute(f"SELECT {where} FROM (SELECT 'sending' AS state)").fetchone()[0]
        if admits:
            entered.add(index.name)
    assert entered == {"primary key", "unique rule,subject,due_dt,recipient", "ix_reminders_unsent",
                       "ix_reminders_site_subject"}, entered
