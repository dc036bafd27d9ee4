"""Which worker may work: at most one planning pass at a time across workers on
PostgreSQL, and one worker per SQLite database.

The full planning pass takes a session-level advisory lock (``pg_try_advisory_lock``) on
its own connection. A second worker that finds it taken skips its pass; when the holder
dies (even by kill -9) PostgreSQL ends its session and frees the lock, so the next pass
of a surviving worker takes over. SQLite needs none of this: its lock file already allows
one worker per database (``SqliteWorkerLock``).
"""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from ..errors import SetupflowError

#: a fixed 63-bit key for the planning job (the first bytes of SHA-256("setupflow.reminders.plan"))
PLANNING_KEY = 0x2F1C6A5B9E3D4C71


@contextmanager
def planning_turn(engine: Engine):
    """Yields True when this process holds the planning turn, False when another has it."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        held = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": PLANNING_KEY}).scalar())
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PLANNING_KEY})
                conn.commit()


class WorkerBusy(SetupflowError):
    """Another worker already runs against this SQLite database."""


class SqliteWorkerLock:
    """An exclusive lock file next to a SQLite database: SQLite gets one worker at a time.

    The kernel releases it when the process dies, so a killed worker never blocks the next.
    """

    def __init__(self, database_url: str):
        self.path = Path(make_url(database_url).database + ".worker.lock")
        self.fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise WorkerBusy(f"another setupflow worker is already running against this SQLite database "
                             f"(lock file {self.path}); SQLite allows one worker: stop the other one, or use "
                             f"PostgreSQL to run several") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
