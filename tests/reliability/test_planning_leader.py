"""Two workers on PostgreSQL: at most one runs the planning pass at a time, and when the
one holding it is killed (-9) the other takes over at its next pass. On SQLite a second
worker is refused outright, and takes over once the first is killed (-9)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from setupflow.db import transaction
from setupflow.reminders.leader import planning_turn
from setupflow.sites.operations import create_site
from setupflow.reminders.worker import Worker

from . import counters

#: worker processes, killed and restarted
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]

#: a second worker process that takes the planning turn and stays in it (a long pass)
HOLDER = """
import sys, time
from setupflow.config import Settings
from setupflow.db import transaction
from setupflow.reminders.leader import planning_turn
from setupflow.sites.operations import create_site
from setupflow.reminders.worker import Worker
with Worker(Settings.from_env()) as w, planning_turn(w.engine) as mine:
    print("holding" if mine else "refused", flush=True)
    time.sleep(120)
"""


@contextmanager
def holding_worker(database, catalog, manager, now):
    """A site to plan, and another worker process holding the planning turn (killed at the end)."""
    with transaction(database.factory) as session:
        create_site(session, catalog, name="Atelier planifié", workflow_id="cress-disp", start_on="2027-01-04",
                    opening_on="2029-01-01", actor=manager, now=now)
    env = {**os.environ, **database.env(), "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
    counters.add("worker processes killed")


@pytest.mark.postgres
def test_a_killed_planner_hands_the_planning_turn_to_the_other_worker(postgres_db, catalog, manager, now):
    with holding_worker(postgres_db, catalog, manager, now) as holder:
        with Worker(postgres_db.settings()) as worker:
            assert worker.plan(now).skipped, "two planning passes at once"
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(timeout=10)
            deadline = time.monotonic() + 10
            result = worker.plan(now)
            while result.skipped and time.monotonic() < deadline:  # PostgreSQL ends the dead session
                time.sleep(0.1)
                result = worker.plan(now)
            assert not result.skipped and result.sites == 1
            with planning_turn(worker.engine) as mine:
                assert mine, "the surviving worker released the turn after its pass"


def test_on_sqlite_a_killed_worker_hands_the_database_to_the_next_one(sqlite_db, catalog, manager, now):
    from setupflow.reminders.leader import WorkerBusy

    with holding_worker(sqlite_db, catalog, manager, now) as holder:
        with pytest.raises(WorkerBusy, match="another setupflow worker is already running"):
            Worker(sqlite_db.settings()).__enter__()  # two workers, so two planning passes: refused
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        # the kernel released the dead worker's lock file: the next worker starts and plans
        with Worker(sqlite_db.settings()) as worker:
            result = worker.plan(now)
        assert not result.skipped and result.sites == 1


def test_on_sqlite_the_planning_turn_is_always_this_workers(sqlite_db):
    with Worker(sqlite_db.settings()) as worker, planning_turn(worker.engine) as mine:
        assert mine
