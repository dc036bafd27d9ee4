"""The sweep's statements on the outbox: is there work, withdraw what expired, and claim
what is due.

Every query here spells the unsent rows as ``UNSENT_ROWS`` (and the expirable ones as
``EXPIRABLE_ROWS``), the text of the partial indexes' predicates as each database has it
(see models.py), so that SQLite and PostgreSQL use those indexes. A claim changes no
column a PostgreSQL index uses (``state`` is in none there; the lease is ``leased_until``),
so that its update is HOT; the rows being sent stay in the indexes where they were, and
each query here leaves out those whose lease has not ended.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, Text, any_, case, cast, func, literal, null, or_, select, text, update
from sqlalchemy.orm import Session

from .models import EXPIRABLE_ROWS, LEASED_SQL, SENDING, UNSENT_ROWS, Reminder

#: how long a claimed row is left to its sweep before another may take it again
LEASE = timedelta(minutes=10)

TABLE = Reminder.__table__
T = TABLE.c


def expire(session: Session, now: datetime) -> int:
    """Withdraw unsent rows past their expiry (a day-before reminder after the meeting...)."""
    result = session.execute(
        update(Reminder).where(EXPIRABLE_ROWS, Reminder.expires_dt < now)
        .values(state="withdrawn", last_error="expired before it could be sent", updated_dt=now,
                version_id=Reminder.version_id + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount


def _free(now: datetime):
    """Not under a sweep's lease at ``now``: not being sent, or its sweep's lease has ended."""
    return or_(text(f"NOT ({LEASED_SQL})"), T.leased_until <= now)


def due_count(session: Session, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Reminder)
                          .where(UNSENT_ROWS, T.send_after_dt <= now, _free(now)))


def _first_due(now: datetime):
    """The earliest time an unsent row not under lease may be taken: the first entry of the
    unsent index whose row is free (the rows being sent, the oldest due, come first)."""
    return select(func.min(T.send_after_dt)).where(UNSENT_ROWS, _free(now)).scalar_subquery()


#: the earliest expiry of an unsent row not being sent: the first entry of the index of
#: expiries whose row may expire, with no parameter inside
_FIRST_EXPIRY = select(func.min(T.expires_dt)).where(EXPIRABLE_ROWS).scalar_subquery()


def work_probe(now: datetime):
    """Whether a sweep at ``now`` has anything to do (a due row, or one to expire): the first
    entry of each partial index whose row the sweep may take or expire, compared with
    ``now`` outside the subqueries, what an idle sweep costs.

    No subquery bounds the indexed column by a parameter: PostgreSQL plans a statement the
    driver prepared (psycopg does after 5 executions) once for any value, and for
    ``send_after_dt <= $1`` its generic plan scanned every row of the table (10,000 rows,
    2.7 ms) instead of the index; for EXISTS over the expiry it once scanned all 1,000,000
    rows (240 ms). A MIN over an index's column is read off the index in order, whatever
    the plan: from its first entry, past the rows being sent (a filter on the row, the
    only parameter inside: the end of their lease), which are few and only while a sweep
    sends them or after it died.
    """
    return select(or_(_first_due(now) <= now, _FIRST_EXPIRY < now))


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
    ``now + lease`` (``leased_until``), ``attempts + 1``, ``version_id + 1``; return them
    by id. A row being sent is taken again only once its lease has ended.

    It writes no column an index uses (not ``send_after_dt``, ``updated_dt`` nor ``queue``,
    which a claim leaves as it was): on PostgreSQL each row's new version stays on its page
    without a new index entry (HOT) when the page has room (the table's fillfactor), about
    half the time of a claim that adds an entry to every index (tests/reminders/test_claim.py).

    One ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`` (on
    PostgreSQL ``id = ANY(ARRAY(SELECT ...))``, the same statement planned better): the due
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
    due = (select(T.id).where(UNSENT_ROWS, T.send_after_dt <= now, _free(now))
           .order_by(T.send_after_dt, T.id).limit(limit).with_for_update(skip_locked=True))
    new_id = literal("<reminder.") + cast(T.id, String) + literal(f".{token}@{domain}>")
    if session.get_bind().dialect.name == "postgresql":
        # the ids as one array (an InitPlan), each row then found by the primary key; with
        # ``IN (subquery)`` the planner hash-joined the whole table to the 1,000 ids (a
        # sequential scan of 11,000 rows, 3.8 ms of a 9.7 ms claim)
        chosen = T.id == any_(func.array(due.scalar_subquery()))
    else:
        chosen = T.id.in_(due.scalar_subquery())
    result = session.execute(
        update(TABLE).where(chosen)
        .values(state=SENDING, attempts=T.attempts + 1, leased_until=now + lease,
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
