"""A person's reminders (the notifications page): what is still to be sent to them and
what was sent, found through an index of their address on SQLite and PostgreSQL, never by
reading the whole outbox; a claim leaves those lists as they were."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, text

from setupflow.reminders import personal
from setupflow.reminders.claim import claim
from setupflow.reminders.models import Reminder
from tests.reminders.test_idle_probe import NOW, _rows


def _outbox(db):
    with db.engine.begin() as conn:
        conn.execute(insert(Reminder.__table__), _rows(3000, "sent", NOW - timedelta(days=30)))
        conn.execute(insert(Reminder.__table__), _rows(300, "pending", NOW + timedelta(days=3), start=5000))
        mine = _rows(3, "sent", NOW - timedelta(days=2), start=9000) + \
            _rows(2, "pending", NOW - timedelta(minutes=5), start=9100)
        for i, row in enumerate(mine):
            row["recipient"] = "lea.martin@example.test"
            row["send_after_dt"] = row["send_after_dt"] + timedelta(minutes=i)
            if row["sent_dt"]:
                row["sent_dt"] = row["sent_dt"] + timedelta(minutes=i)
        conn.execute(insert(Reminder.__table__), mine)
        conn.execute(text("ANALYZE"))


def _plan(db, statement) -> str:
    with db.engine.connect() as conn:
        compiled = statement.compile(conn)
        params = compiled.construct_params()
        if db.backend == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), tuple(params.values()))
            return "\n".join(row[-1] for row in rows)
        return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), params))


def test_a_persons_reminders_are_read_through_the_index_of_their_address(any_db):
    _outbox(any_db)
    with any_db.factory() as session:
        upcoming = personal.upcoming(session, "Lea.Martin@Example.test")
        sent = personal.sent_to(session, "lea.martin@example.test")
    assert [r.subject for r in upcoming] == ["action:9100", "action:9101"]  # soonest first
    assert [r.subject for r in sent] == ["action:9002", "action:9001", "action:9000"]  # latest first
    with any_db.factory() as session:
        claim(session, NOW, 1000, "example.test")  # the person's two due rows are being sent
        session.commit()
        assert [r.subject for r in personal.upcoming(session, "lea.martin@example.test")] == ["action:9100",
                                                                                               "action:9101"]
    for statement, index in ((personal.upcoming_query("lea.martin@example.test"), "ix_reminders_to_unsent"),
                             (personal.sent_query("lea.martin@example.test"), "ix_reminders_to_sent")):
        plan = _plan(any_db, statement)
        assert index in plan, plan
        assert "Seq Scan" not in plan and not any(line.startswith("SCAN reminders") for line in plan.splitlines()), plan
