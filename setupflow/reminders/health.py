"""Whether the reminder worker works: each run of its two jobs (the sweep that sends,
the planning pass) leaves its outcome in ``worker_runs``, and ``worker_health`` says,
per job, whether it ran lately and whether it fails.

Reminders go out with nobody watching, so a worker that stopped, or that runs but fails
at every turn, must show somewhere else than in its own log: the notifications page of
administrators and ``setupflow outbox status`` (exit code 1, for a monitoring probe).
A job is late when it has not succeeded for ``LATE_AFTER``: that covers a worker that is
not running, a machine that is down and a database the worker cannot reach, none of
which can write a failure.
"""
from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ..db import transaction
from .models import WorkerRun

log = logging.getLogger("setupflow.worker")

#: the worker's jobs, in the order they are shown
JOBS = ("sweep", "plan")
#: no success for this long is a worker that stopped: the sweep runs every minute (or
#: every few from cron), the full planning pass every 15 minutes
LATE_AFTER = {"sweep": timedelta(minutes=15), "plan": timedelta(hours=1)}
ERROR_LENGTH = 500


def note_run(factory: sessionmaker[Session], job: str, now: datetime, error: str | None = None) -> None:
    """Record how a run of ``job`` ended (``error`` None: it succeeded), in its own
    transaction. Never raises: a worker that cannot write this still does its work, and
    its job shows late."""
    process = f"{socket.gethostname()}:{os.getpid()}"[:120]
    values = {"job": job, "process": process}
    if error is None:
        values.update(last_ok_dt=now, failures=0)
        changes = {"last_ok_dt": now, "failures": 0, "process": process}
    else:
        error = error.strip()[:ERROR_LENGTH] or "error"
        values.update(last_failed_dt=now, last_error=error, failures=1)
        changes = {"last_failed_dt": now, "last_error": error, "failures": WorkerRun.failures + 1,
                   "process": process}
    try:
        with transaction(factory) as session:
            insert = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert
            session.execute(insert(WorkerRun).values(values).on_conflict_do_update(index_elements=["job"],
                                                                                  set_=changes))
    except Exception:
        log.exception("could not record how the %s job ended", job)


@dataclass(frozen=True)
class JobHealth:
    job: str
    #: "ok", "failing" (its last run failed), "late" (no success for LATE_AFTER) or
    #: "never" (no worker ever ran it against this database)
    state: str
    last_ok_dt: datetime | None = None
    last_failed_dt: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    process: str | None = None

    @property
    def is_ok(self) -> bool:
        return self.state == "ok"


def worker_health(session: Session, now: datetime) -> list[JobHealth]:
    """Each job's health at ``now``, in ``JOBS`` order."""
    rows = {r.job: r for r in session.scalars(select(WorkerRun))}
    out = []
    for job in JOBS:
        row = rows.get(job)
        if row is None:
            out.append(JobHealth(job, "never"))
            continue
        failing = row.failures > 0 and (row.last_ok_dt is None or row.last_failed_dt > row.last_ok_dt)
        late = row.last_ok_dt is None or now - row.last_ok_dt > LATE_AFTER[job]
        state = "failing" if failing else "late" if late else "ok"
        out.append(JobHealth(job, state, row.last_ok_dt, row.last_failed_dt, row.last_error, row.failures,
                             row.process))
    return out
