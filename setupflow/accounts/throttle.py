"""Rate limits counted by one statement, the same on SQLite and PostgreSQL.

``hit`` adds one attempt to a key's window and returns the count in the same statement
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``): the row is locked by the statement
itself (PostgreSQL) or the database's single writer (SQLite), so forty parallel requests
get forty different counts and at most the allowed number are let through. A window
older than its length starts again at one.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.orm import Session

from .models import RateLimit


def _insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def hit(session: Session, key: str, now: datetime, window: timedelta) -> int:
    """Count one attempt for ``key``; the number of attempts in its current window."""
    key = key[:300]
    insert = _insert(session)
    fresh = RateLimit.window_start > now - window
    statement = insert(RateLimit).values(key=key, window_start=now, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=[RateLimit.key],
        set_={"hits": case((fresh, RateLimit.hits + 1), else_=1),
              "window_start": case((fresh, RateLimit.window_start), else_=now)},
    ).returning(RateLimit.hits)
    return session.execute(statement).scalar_one()


def give_back(session: Session, key: str) -> None:
    """Take back one attempt (a login that succeeded does not count as a failure)."""
    session.execute(update(RateLimit).where(RateLimit.key == key[:300], RateLimit.hits > 0)
                    .values(hits=RateLimit.hits - 1))


def forget(session: Session, *keys: str) -> None:
    """Remove the counters of these keys (erasure of a person's data)."""
    session.execute(delete(RateLimit).where(RateLimit.key.in_([k[:300] for k in keys])))


def purge(session: Session, now: datetime, older_than: timedelta = timedelta(days=1)) -> None:
    session.execute(delete(RateLimit).where(RateLimit.window_start < now - older_than))
