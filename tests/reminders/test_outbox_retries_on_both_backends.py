"""SMTP down on SQLite and on PostgreSQL: each attempt fails, the next waits twice as
long, after the 8th the reminders are dead, and an administrator sees them, with the
error, on the notifications page (the people they were for do not)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from setupflow.clock import parse_instant as paris
from setupflow.reminders import personal
from setupflow.reminders.models import Reminder
from setupflow.reminders.sweep import MAX_ATTEMPTS, backoff, sweep

from mailtools import free_port
from reliability import counters
from test_worker_processes import fill_outbox
from web_fixtures import admin_and_cress

STARTED = paris("2027-03-09T09:00")


def rows_of(db) -> list[Reminder]:
    with db.factory() as session:
        return list(session.scalars(select(Reminder).order_by(Reminder.id)))


def test_smtp_down_retries_with_backoff_then_dead_and_shown_to_an_admin(any_db, tmp_path, now):
    db = any_db
    fill_outbox(db, 3)
    down = db.settings(smtp_host="127.0.0.1", smtp_port=free_port(), mail_sender="setupflow <rappels@setupflow.test>")
    at = STARTED
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result = sweep(db.factory, down, at)
        rows = rows_of(db)
        if attempt < MAX_ATTEMPTS:
            assert (result.failed, result.dead, result.sent) == (3, 0, 0)
            assert {(r.state, r.attempts) for r in rows} == {("failed", attempt)}
            assert {r.send_after_dt for r in rows} == {at + backoff(attempt)}
            # not a moment before the backoff is over
            assert sweep(db.factory, down, at + backoff(attempt) - timedelta(seconds=1)).failed == 0
            at += backoff(attempt)
        else:
            assert (result.failed, result.dead, result.sent) == (0, 3, 0)
        counters.add("SMTP-down attempts checked")
    assert at - STARTED == timedelta(minutes=5 + 10 + 20 + 40 + 80 + 160 + 320)  # 10 h 35 of outage
    dead = rows_of(db)
    assert {(r.state, r.attempts) for r in dead} == {("dead", MAX_ATTEMPTS)}
    assert all(r.last_error.startswith("SMTP server unreachable") for r in dead)
    # a dead row stays dead: later sweeps do not take it again
    assert sweep(db.factory, down, at + timedelta(days=3)).failed == 0

    with db.factory() as session:
        assert {r.id for r in personal.dead(session)} == {r.id for r in dead}  # what the admin page lists
    admin, recipient = admin_and_cress(db, tmp_path, now, cress_email="person0@example.test")
    page = admin.get("/notifications").get_data(as_text=True)
    given_up = page.split('id="dead"')[1]
    assert all(f"person{i}@example.test" in given_up for i in range(3))
    assert given_up.count("SMTP server unreachable") == 3 and f"<td>{MAX_ATTEMPTS}</td>" in given_up
    assert 'id="dead"' not in recipient.get("/notifications").get_data(as_text=True)
