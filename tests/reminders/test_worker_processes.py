"""Worker processes: a crash between sending and marking loses nothing (duplicates only
with the same Message-ID), three workers on PostgreSQL never send the same reminder
twice, and SQLite refuses a second worker."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from setupflow.clock import parse_instant as paris
from setupflow.db import transaction
from setupflow.reminders.health import worker_health
from setupflow.reminders.models import Reminder
from setupflow.reminders.operations import sync
from setupflow.reminders.planned import Planned, Recipient
from setupflow.reminders.sweep import LEASE, MARK_EVERY

from mailtools import Collector, free_port, smtp_env

#: worker processes, killed mid-sweep
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DUE = paris("2027-03-09T08:00")


def fill_outbox(db, count: int) -> None:
    """``count`` due reminders to distinct (fictional) people."""
    planned = [Planned("bulk_test", f"action:{i}", DUE, Recipient(f"person{i}@example.test", f"Personne {i}"),
                       "action_due", {"site": {"id": 0, "name": "Atelier fictif"}, "name": f"Personne {i}",
                                      "action": {"id": i, "text": f"Action {i}", "due_on": "2027-03-10"}})
               for i in range(count)]
    with transaction(db.factory) as session:
        sync(session, planned, DUE, site_id=None, rules={"bulk_test"})


def worker(db, smtp_port, now: str) -> subprocess.Popen:
    env = {**os.environ, **smtp_env(db, smtp_port), "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "setupflow", "worker", "--once", "--now", now], env=env,
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


def outbox(db) -> list[Reminder]:
    with db.factory() as session:
        return list(session.scalars(select(Reminder)))


@pytest.fixture
def slow_smtp():
    collector = Collector(delay=0.01)
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    collector.port = controller.port
    yield collector
    controller.stop()


@pytest.mark.slow
def test_a_worker_killed_mid_sweep_loses_nothing_and_repeats_only_with_the_same_message_id(sqlite_db, slow_smtp):
    fill_outbox(sqlite_db, 300)
    proc = worker(sqlite_db, slow_smtp.port, "2027-03-09T09:00")
    deadline = time.monotonic() + 60
    while len(slow_smtp.messages) < 90 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    received_before = len(slow_smtp.messages)
    assert 90 <= received_before < 300, "the worker must die in the middle of the sweep"
    states = Counter(r.state for r in outbox(sqlite_db))
    assert states["sending"] > 0  # claimed, maybe sent, not marked: the crash window

    # restarted at once: the rows still under lease wait; the others go out
    finish(worker(sqlite_db, slow_smtp.port, "2027-03-09T09:01"))
    # after the lease, the rows the dead worker held are sent again
    later = (paris("2027-03-09T09:01") + LEASE + timedelta(minutes=5)).isoformat()
    finish(worker(sqlite_db, slow_smtp.port, later))

    rows = outbox(sqlite_db)
    assert {r.state for r in rows} == {"sent"}
    row_ids = {r.message_id for r in rows}
    assert len(row_ids) == 300  # one stable Message-ID per reminder
    received = Counter(slow_smtp.message_ids())
    assert set(received) == row_ids  # nothing lost, nothing foreign
    duplicates = {mid: n for mid, n in received.items() if n > 1}
    assert all(n == 2 for n in duplicates.values())
    # only what was sent but not yet marked when the worker died is repeated
    assert len(duplicates) <= MARK_EVERY + 1
    resent = [r for r in rows if r.attempts == 2]
    assert {r.message_id for r in resent} >= set(duplicates)


@pytest.mark.postgres
@pytest.mark.slow
def test_three_workers_on_postgresql_send_2000_reminders_without_a_duplicate(postgres_db):
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        fill_outbox(postgres_db, 2000)
        procs = [worker(postgres_db, controller.port, "2027-03-09T09:00") for _ in range(3)]
        outputs = [finish(p) for p in procs]
    finally:
        controller.stop()
    received = Counter(collector.message_ids())
    assert len(received) == 2000 and set(received.values()) == {1}
    rows = outbox(postgres_db)
    assert {(r.state, r.attempts) for r in rows} == {("sent", 1)}
    sent_by_each = [int(out.split("sent: ")[1].split(",")[0]) for out in outputs]
    assert sum(sent_by_each) == 2000
    assert sum(1 for n in sent_by_each if n > 0) >= 2, f"the workers did not share the work: {sent_by_each}"


def test_sqlite_refuses_a_second_worker(sqlite_db, smtp):
    from setupflow.reminders.worker import Worker

    with Worker(sqlite_db.settings()):
        proc = worker(sqlite_db, smtp.port, "2027-03-09T09:00")
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "another setupflow worker is already running against this SQLite database" in err


def _due_now(db, count: int) -> None:
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc) - timedelta(minutes=1)
    planned = [Planned("bulk_test", f"action:{i}", now, Recipient(f"person{i}@example.test", f"Personne {i}"),
                       "action_due", {"site": {"id": 0, "name": "Atelier fictif"}, "name": f"Personne {i}",
                                      "action": {"id": i, "text": f"Action {i}", "due_on": "2027-03-10"}})
               for i in range(count)]
    with transaction(db.factory) as session:
        sync(session, planned, now, site_id=None, rules={"bulk_test"})


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_the_long_running_worker_sends_at_start_and_stops_cleanly_on_sigterm(sqlite_db, smtp):
    _due_now(sqlite_db, 3)
    env = {**os.environ, **smtp_env(sqlite_db, smtp.port), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "setupflow", "worker"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        received = _wait_for(lambda: len(smtp.messages) == 3)
        marked = received and _wait_for(lambda: {r.state for r in outbox(sqlite_db)} == {"sent"})
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    # the worker's log tells why, when one of these fails
    assert received, f"{len(smtp.messages)} of 3 messages received; worker log:\n{err}"
    assert marked, f"outbox {sorted(r.state for r in outbox(sqlite_db))}; worker log:\n{err}"
    assert proc.returncode == 0, err
    assert "stopping the worker" in err
    with sqlite_db.factory() as session:  # what the administrator's page shows
        assert {j.job: j.state for j in worker_health(session, datetime.now(timezone.utc))} == \
            {"sweep": "ok", "plan": "ok"}, err


def test_the_background_worker_of_a_one_machine_install(sqlite_db, smtp):
    from setupflow.reminders.leader import WorkerBusy
    from setupflow.reminders.worker import Worker, start_background, stop_background

    _due_now(sqlite_db, 2)
    settings = sqlite_db.settings(smtp_host="127.0.0.1", smtp_port=smtp.port)
    scheduler = start_background(settings)
    try:
        assert _wait_for(lambda: len(smtp.messages) == 2)
        with pytest.raises(WorkerBusy):
            Worker(settings).__enter__()
    finally:
        stop_background(scheduler)
    with Worker(settings):  # the lock is free again
        pass


def test_missed_sweeps_catch_up_once_instead_of_being_skipped(sqlite_db):
    from apscheduler.schedulers.background import BackgroundScheduler

    from setupflow.reminders.worker import MISFIRE_GRACE, Worker

    scheduler = Worker(sqlite_db.settings())._scheduler(BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        for job in scheduler.get_jobs():
            assert job.coalesce is True and job.misfire_grace_time == MISFIRE_GRACE >= 3600
            assert job.max_instances == 1
        assert {job.id for job in scheduler.get_jobs()} == {"sweep", "plan"}
        assert type(scheduler._jobstores["default"]).__name__ == "MemoryJobStore"
    finally:
        scheduler.shutdown(wait=False)
