"""At most one planning pass at a time across workers on PostgreSQL.

The full planning pass takes a session-level advisory lock (``pg_try_advisory_lock``) on
its own connection. A second worker that finds it taken skips its pass; when the holder
dies (even by kill -9) PostgreSQL ends its session and frees the lock, so the next pass
of a surviving worker takes over. SQLite needs none of this: its lock file already allows
one worker per database.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

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
