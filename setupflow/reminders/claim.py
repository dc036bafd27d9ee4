"""The sweep's statements on the outbox: is there work, withdraw what expired, and claim
what is due.

Every query here spells the unsent states as ``UNSENT_SQL`` (and the expirable ones as
``EXPIRABLE_SQL``) text so that SQLite can use the partial indexes (see models.py).
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, Text, case, cast, func, literal, null, or_, select, text, update
from sqlalchemy.orm import Session

from .models import EXPIRABLE_SQL, UNSENT_SQL, Reminder

#: how long a claimed row is left to its sweep before another may take it again
LEASE = timedelta(minutes=10)

TABLE = Reminder.__table__
T = TABLE.c


def expire(session: Session, now: datetime) -> int:
    """Withdraw unsent rows past their expiry (a day-before reminder after the meeting...)."""
    result = session.execute(
        update(Reminder).where(text(EXPIRABLE_SQL), Reminder.expires_dt < now)
        .values(state="withdrawn", last_error="expired before it could be sent", updated_dt=now,
                version_id=Reminder.version_id + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount


def due_count(session: Session, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Reminder).where(text(UNSENT_SQL), T.send_after_dt <= now))


#: the earliest time an unsent row may be taken, and the earliest expiry of an unsent row
#: not being sent: each the first entry of its partial index (a MIN the database reads off
#: the index), with no parameter inside, so that its plan cannot depend on the values
_FIRST_DUE = select(func.min(T.send_after_dt)).where(text(UNSENT_SQL)).scalar_subquery()
_FIRST_EXPIRY = select(func.min(T.expires_dt)).where(text(EXPIRABLE_SQL)).scalar_subquery()


def work_probe(now: datetime):
    """Whether a sweep at ``now`` has anything to do (a due row, or one to expire): the first
    entry of each partial index, compared with ``now`` outside the subqueries, what an idle
    sweep costs.

    Neither subquery takes a parameter: PostgreSQL plans a statement the driver prepared
    (psycopg does after 5 executions) once for any value, and for ``send_after_dt <= $1``
    its generic plan scanned every row of the table (10,000 rows, 2.7 ms) instead of the
    index; for EXISTS over the expiry it once scanned all 1,000,000 rows (240 ms). A MIN
    over an index's column is read off the index's first entry whatever the plan.
    """
    return select(or_(_FIRST_DUE <= now, _FIRST_EXPIRY < now))


@dataclass(slots=True)
class Claimed:
    """A claimed row, as much of it as sending needs (nothing for a session to track)."""

    id: int
    message_id: str | None
    is_digest: bool
    recipient: str
    recipient_name: str
    language: str
    template: str
    #: the template context as stored (JSON text): decoded by whoever sends it, after the
    #: claim's transaction, not by the claim
    context_json: str
    #: digest rows only (the order of a digest's items); None otherwise
    due_dt: datetime | None

    @property
    def context(self) -> dict:
        return json.loads(self.context_json)


def claim(session: Session, now: datetime, limit: int, domain: str, lease: timedelta = LEASE) -> list[Claimed]:
    """Take up to ``limit`` due rows, oldest first: mark them ``sending`` until
    ``now + lease``, ``attempts + 1``, ``version_id + 1``; return them by id.

    One ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``: the due
    rows are found, locked and changed by the same statement, so no other transaction can
    change one in between (PostgreSQL: the row locks, skipped by a concurrent claim;
    SQLite: the statement holds the database's write lock), and ``version_id + 1`` makes
    a planning pass that read a row before the claim fail with ``StaleDataError`` instead
    of overwriting it. The caller commits before sending anything.

    Rows without a Message-ID get one (``<reminder.ID.TOKEN@domain>``, one random token
    per claim); a digest recipient's new rows share one, set by a second statement only
    when there are such rows.
    """
    token = secrets.token_hex(6)
    due = (select(T.id).where(text(UNSENT_SQL), T.send_after_dt <= now)
           .order_by(T.send_after_dt, T.id).limit(limit).with_for_update(skip_locked=True))
    new_id = literal("<reminder.") + cast(T.id, String) + literal(f".{token}@{domain}>")
    result = session.execute(
        update(TABLE).where(T.id.in_(due.scalar_subquery()))
        .values(state="sending", attempts=T.attempts + 1, send_after_dt=now + lease, updated_dt=now,
                message_id=func.coalesce(T.message_id, case((T.is_digest, null()), else_=new_id)),
                version_id=T.version_id + 1)
        .returning(T.id, T.message_id, T.is_digest, T.recipient, T.recipient_name, T.language, T.template,
                   cast(T.context, Text), case((T.is_digest, T.due_dt))))
    rows = sorted((Claimed(*row) for row in result.all()), key=lambda r: r.id)
    _name_digests(session, [r for r in rows if r.message_id is None], token, domain)
    return rows


def _name_digests(session: Session, rows: list[Claimed], token: str, domain: str) -> None:
    """One Message-ID per digest recipient for the claimed digest rows that have none."""
    if not rows:
        return
    names: dict[str, str] = {}
    for row in rows:  # by id: the recipient's first row names the digest
        row.message_id = names.setdefault(row.recipient, f"<digest.{row.id}.{token}@{domain}>")
    session.execute(update(TABLE).where(T.id.in_([r.id for r in rows]))
                    .values(message_id=case(*((T.recipient == who, literal(mid)) for who, mid in names.items()))))
