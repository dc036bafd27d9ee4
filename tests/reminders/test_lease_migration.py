"""The migration that moved the lease of a row being sent out of ``send_after_dt`` (into
``leased_until``, so that on PostgreSQL a claim is HOT) carries the rows being sent at
upgrade time over, and back on downgrade, on SQLite and PostgreSQL: a row a sweep was
sending is not taken again before the end of its lease, and is after it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from setupflow import migrate
from setupflow.clock import parse_instant as paris
from setupflow.db import transaction
from setupflow.reminders.claim import LEASE, claim, work_probe
from setupflow.reminders.models import Reminder

BEFORE = "f3c8b1d2e7a4"
NOW = paris("2027-03-09T09:00")
DUE = NOW - timedelta(hours=1)
LEASE_END = NOW + timedelta(minutes=5)


def _row(subject: str, state: str, send_after) -> dict:
    return {"rule": "lease_test", "subject": subject, "due_dt": DUE, "recipient": f"{subject}@example.test",
            "recipient_name": "Personne", "language": "fr", "site_id": None, "template": "action_due",
            "context": {}, "is_digest": False, "state": state, "send_after_dt": send_after, "expires_dt": None,
            "attempts": 1 if state == "sending" else 0, "message_id": None, "last_error": None,
            "created_dt": DUE, "updated_dt": DUE, "sent_dt": None, "version_id": 1}


def test_rows_being_sent_keep_their_lease_across_the_upgrade_and_back(db):
    migrate.downgrade(db.engine, BEFORE)
    with db.engine.begin() as conn:  # the table as it was: the lease in send_after_dt
        conn.execute(insert(Reminder.__table__), [_row("sending", "sending", LEASE_END), _row("due", "pending", DUE)])
    migrate.upgrade(db.engine)

    with db.engine.connect() as conn:
        row = conn.execute(select(Reminder.__table__).where(Reminder.subject == "sending")).mappings().one()
    assert (row["state"], row["leased_until"], row["send_after_dt"]) == ("sending", LEASE_END, LEASE_END)
    with db.factory() as session:
        assert session.scalar(work_probe(NOW))  # the row not being sent is due
    with transaction(db.factory) as session:  # only the row that was not being sent
        assert [r.recipient for r in claim(session, NOW, 10, "setupflow.test")] == ["due@example.test"]
    with transaction(db.factory) as session:  # its sweep died: taken again once the lease has ended
        again = claim(session, LEASE_END + timedelta(seconds=1), 10, "setupflow.test", timedelta(minutes=10))
    assert [r.recipient for r in again] == ["sending@example.test"]

    migrate.downgrade(db.engine, BEFORE)
    table = Reminder.__table__.c
    with db.engine.connect() as conn:
        rows = dict(conn.execute(select(table.subject, table.send_after_dt).where(table.state == "sending")).all())
    # back in send_after_dt: the lease of the sweep that last took each
    assert rows == {"sending": LEASE_END + timedelta(seconds=1, minutes=10), "due": NOW + LEASE}
    migrate.upgrade(db.engine)
