"""The outbox of reminders, the calendar feed tokens and the mail preferences.

Every e-mail setupflow sends is first a ``Reminder`` row. Its idempotency key (rule,
subject, due instant, recipient) is unique, so planning the same reminder twice never
creates two rows, and the sweep sends a row at least once and marks it sent.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Computed, ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.sqltypes import NULLTYPE
from sqlalchemy.sql.visitors import InternalTraversal

from ..db import Base, UTCDateTime
from ..lifecycles import REMINDERS

#: the ``reminder`` lifecycle of setupflow/lifecycles.yaml: pending -> sending -> sent; sending ->
#: failed -> (taken again at send_after_dt) ... -> dead; pending/failed -> withdrawn when what
#: it reminds of no longer holds; pending/failed -> held by a person (-> pending when they
#: release it), or cancelled by a person for good (planning never revives a held or
#: cancelled reminder: ``holds.py``)
STATES = REMINDERS.states
#: the states the sweep still looks at: those it claims a row from
UNSENT = REMINDERS.sources("claim")
#: the state of a row a sweep has claimed and not marked yet: being sent, under a lease
#: (``leased_until``) after which another sweep may take it again
SENDING, = REMINDERS.destinations("claim")
#: a row's place in the outbox, a function of its state kept in the generated column
#: ``queue``: ``unsent`` for the states the sweep claims from (pending, sending, failed),
#: ``dead`` for the rows given up, NULL for the others. On PostgreSQL every partial index
#: is on it, never on ``state``: PostgreSQL makes an update HOT (a new row version on the
#: same page, no new index entry) only when no column an index uses changes, and a claim
#: (pending/failed -> sending) changes ``state`` but not ``queue``; with ``state`` in the
#: indexes each claimed row cost ~7 WAL records (a new entry in each of 4 indexes), a claim
#: of 1,000 rows 20-30 ms. SQLite has no HOT: its partial indexes stay on ``state`` (there
#: the column is virtual, and an index predicate on it made each claim ~15 % slower)
QUEUE_SQL = "CASE WHEN state IN ('pending', 'sending', 'failed') THEN 'unsent' WHEN state = 'dead' THEN 'dead' END"
#: the predicates of the partial indexes, PostgreSQL's and SQLite's
UNSENT_QUEUE_SQL = "queue = 'unsent'"
DEAD_QUEUE_SQL = "queue = 'dead'"
UNSENT_STATES_SQL = "state IN ('pending', 'sending', 'failed')"
#: the states a row may expire from (unsent, not being sent). On PostgreSQL the index of
#: expiries holds every unsent row (a row being sent too: its claim leaves it there), and
#: this is a filter on the row
EXPIRABLE_STATES_SQL = "state IN ('pending', 'failed')"
DEAD_STATE_SQL = "state = 'dead'"
#: the rows sent (``sent_dt`` is set when, and only when, a row is sent), for the partial
#: index of what was sent to a person
SENT_SQL = "sent_dt IS NOT NULL"


class IndexPredicate(ColumnElement[bool]):
    """The predicate of a partial index in a query's WHERE, as each database spells it
    (PostgreSQL's indexes are on ``queue``, SQLite's on ``state``): each database finds its
    own index's text among the terms. Written as text, not with bound parameters: with
    those, SQLite cannot match the partial index and scans every unsent row (1,000,000
    rows: an idle sweep took ~1.5 s instead of < 1 ms). SQLite is not given the queue's
    term too: computing the virtual column for each row made its claim ~5 % slower."""

    type = NULLTYPE  # not Boolean: SQLite would get "(...) = 1", which no index predicate matches
    inherit_cache = True
    _traverse_internals = [("postgresql", InternalTraversal.dp_string), ("sqlite", InternalTraversal.dp_string)]

    def __init__(self, postgresql: str, sqlite: str):
        self.postgresql, self.sqlite = postgresql, sqlite


@compiles(IndexPredicate)
def _spelled(element: IndexPredicate, compiler, **kw) -> str:
    return f"({element.sqlite})"


@compiles(IndexPredicate, "postgresql")
def _spelled_for_postgresql(element: IndexPredicate, compiler, **kw) -> str:
    return f"({element.postgresql})"


#: what the sweep's queries say for the unsent rows, those that may expire, the dead ones
UNSENT_ROWS = IndexPredicate(UNSENT_QUEUE_SQL, UNSENT_STATES_SQL)
EXPIRABLE_ROWS = IndexPredicate(f"{UNSENT_QUEUE_SQL} AND {EXPIRABLE_STATES_SQL}", EXPIRABLE_STATES_SQL)
DEAD_ROWS = IndexPredicate(f"{DEAD_QUEUE_SQL} AND {DEAD_STATE_SQL}", DEAD_STATE_SQL)

#: a row being sent whose lease has not ended is not taken, nor expired, nor counted as due
LEASED_SQL = "state = 'sending'"
#: the SQL text says what the lifecycle says (the sweep's statements claim and expire by it)
_UNSENT_LIST = ", ".join(repr(s) for s in UNSENT)
assert UNSENT_STATES_SQL == f"state IN ({_UNSENT_LIST})", UNSENT_STATES_SQL
assert QUEUE_SQL == f"CASE WHEN state IN ({_UNSENT_LIST}) THEN 'unsent' WHEN {DEAD_STATE_SQL} THEN 'dead' END", QUEUE_SQL
assert set(REMINDERS.sources("expire")) == set(UNSENT) - {SENDING}
assert EXPIRABLE_STATES_SQL == f"state IN ({', '.join(repr(s) for s in UNSENT if s != SENDING)})", EXPIRABLE_STATES_SQL
assert LEASED_SQL == f"state = {SENDING!r}" and SENDING in UNSENT, LEASED_SQL
assert "dead" in REMINDERS.destinations("fail") and "dead" not in UNSENT

#: PostgreSQL: the share of each page the table's inserts fill, the rest kept for the new
#: versions of claimed rows (a batch of due rows planned together shares its pages)
FILLFACTOR = 70

REMINDERS.bind(params=lambda row: {"reminder": row.id},
               guards={"out_of_attempts": lambda row, *, max_attempts, **_: row.attempts >= max_attempts})


class Reminder(Base):
    """One e-mail to one recipient, due at one instant: a row of the outbox."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("rule", "subject", "due_dt", "recipient"),
        # what the sweep scans: only unsent rows, by the time it may take them (Indico style)
        Index("ix_reminders_unsent", "send_after_dt", postgresql_where=text(UNSENT_QUEUE_SQL),
              sqlite_where=text(UNSENT_STATES_SQL)),
        # what expiry scans: the rows that may expire, by their expiry (on PostgreSQL every
        # unsent row: the rows being sent among them are left out by a filter, see QUEUE_SQL)
        Index("ix_reminders_expiring", "expires_dt", postgresql_where=text(UNSENT_QUEUE_SQL),
              sqlite_where=text(EXPIRABLE_STATES_SQL)),
        Index("ix_reminders_site_subject", "site_id", "subject"),
        # the administrator's list of dead rows, latest first. No index on ``state`` itself:
        # every mark would move the row's entry in it (1,000,000 rows)
        Index("ix_reminders_dead", "updated_dt", postgresql_where=text(DEAD_QUEUE_SQL),
              sqlite_where=text(DEAD_STATE_SQL)),
        # a person's reminders (the notifications page): still to be sent, soonest first, and
        # sent, latest first, by the address as compared (``lower``); without them each visit
        # read the whole outbox twice (250-390 ms at 1,000,000 rows). A claim changes none of
        # their columns (``sent_dt`` is set by the mark that sends a row, and only then)
        Index("ix_reminders_to_unsent", func.lower(text("recipient")), "send_after_dt",
              postgresql_where=text(UNSENT_QUEUE_SQL), sqlite_where=text(UNSENT_STATES_SQL)),
        Index("ix_reminders_to_sent", func.lower(text("recipient")), "sent_dt",
              postgresql_where=text(SENT_SQL), sqlite_where=text(SENT_SQL)),
        # room on every page for the new version of a claimed row: its update stays on the
        # page (HOT) only if there is room there (at 100 % a claim gains nothing)
        {"postgresql_with": {"fillfactor": FILLFACTOR}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the reminder rule id of the workflow, or ``meeting_update`` / ``meeting_cancel``
    rule: Mapped[str] = mapped_column(String(60))
    #: what it is about, e.g. ``meeting:12``, ``action:4``, ``site:3:deadline:dui_signature``
    subject: Mapped[str] = mapped_column(String(160))
    #: when it is due (the rule's instant); part of the idempotency key
    due_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the recipient's address, lower case; part of the idempotency key. Indexed (lowered)
    #: with the order of a person's two lists, ``ix_reminders_to_unsent`` and ``_to_sent``
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_name: Mapped[str] = mapped_column(String(200))
    #: fr | en: the language of the e-mail
    language: Mapped[str] = mapped_column(String(2), default="fr")
    #: the site it belongs to (None for messages outside a site)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    #: the template in templates/emails/ (without language and extension)
    template: Mapped[str] = mapped_column(String(60))
    #: what the template needs, captured when planned and refreshed on every re-plan
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    #: held for the recipient's daily digest (never a meeting invitation, which carries a calendar)
    is_digest: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    #: one of STATES. In no index on PostgreSQL (see ``QUEUE_SQL``)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    #: ``QUEUE_SQL`` of the state, generated by the database: what PostgreSQL's partial
    #: indexes are on (stored; the migration adds it virtual on SQLite, where ALTER TABLE
    #: cannot add a stored one and no index uses it)
    queue: Mapped[str | None] = mapped_column(String(6), Computed(QUEUE_SQL, persisted=True))
    #: the earliest instant the sweep may take it: the due instant, or a retry after a
    #: failure (backoff). A claim leaves it as it is (it is in an index: ``QUEUE_SQL``)
    send_after_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: while ``sending``: the end of the lease of the sweep that claimed it, after which
    #: another sweep may take it again (the sweep died before marking it); None otherwise.
    #: In no index, so that a claim stays HOT on PostgreSQL
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: past this instant it is pointless (the meeting has started...): withdrawn, not sent
    expires_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: delivery attempts so far
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: the Message-ID header, fixed at the first attempt and reused by every retry, so a
    #: receiver can drop the duplicate of a message sent again after a crash
    message_id: Mapped[str | None] = mapped_column(String(200))
    #: why the last attempt failed, or why it was withdrawn; for a held or cancelled row, who did it
    last_error: Mapped[str | None] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the last change of the row but a claim (in an index: ``ix_reminders_dead``); a
    #: claim's instant is ``leased_until`` less the lease
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: optimistic-locking counter: a planning pass never overwrites a row a sweep just claimed
    version_id: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def key(self) -> tuple:
        return (self.rule, self.subject, self.due_dt, self.recipient)


class MailPreference(Base):
    """How one address wants its reminders: one by one, or one digest a day."""

    __tablename__ = "mail_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the address, lower case (one person may be in the team of several sites)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: gather the day's reminders into one e-mail sent at ``digest_at``
    is_digest: Mapped[bool] = mapped_column(default=False)
    #: local time of the daily digest, HH:MM
    digest_at: Mapped[str] = mapped_column(String(5), default="08:00")
    #: the Monday e-mail of the next steps of one's sites; None: the default (on for leads)
    weekly_digest: Mapped[bool | None] = mapped_column(default=None)
    #: the reminder events (``REMINDER_EVENTS``, or ``weekly_digest``) this address no longer wants
    stopped: Mapped[list | None] = mapped_column(JSON, default=None)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedToken(Base):
    """An unguessable calendar feed address for one person (by e-mail) or one site.

    Only the SHA-256 of the token is stored; the token itself is shown once.
    """

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: hex SHA-256 of the token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the person's address for a personal feed (every site they belong to)
    email: Mapped[str | None] = mapped_column(String(254))
    #: the site for a site feed
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the account that created the feed (None: created from the command line, or before
    #: creators were recorded); the feed dies with that account and only it or a manager
    #: of the site may revoke it
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_dt is not None


class WorkerRun(Base):
    """How the last runs of one worker job (``sweep``, ``plan``) ended, so that a worker
    that stopped or fails shows (``health``) instead of reminders that stop going out."""

    __tablename__ = "worker_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(20), unique=True)
    #: the end of the last run that succeeded
    last_ok_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the end of the last run that failed, its error, and how many runs failed since a success
    last_failed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    failures: Mapped[int] = mapped_column(default=0)
    #: the machine and process of the worker that wrote the row last
    process: Mapped[str] = mapped_column(String(120))


class FeedPart(Base):
    """One site's part of the calendar feeds (its meetings and deadlines as VEVENT text) in
    one language, as last written, under the version it was written at (a digest of every
    input of the text, ``feeds.open_feed``). Kept in the database so that a new server
    process, or a new day, serves a feed from the written parts rather than writing 2,000
    sites again; a part whose version is not the site's current one is never served, and is
    replaced when the feed is next written. Derived data: deleted with the site."""

    __tablename__ = "feed_parts"
    __table_args__ = (UniqueConstraint("site_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    #: hex digest of the part's inputs (and of the code that writes it)
    version: Mapped[str] = mapped_column(String(64))
    #: the VEVENTs, CRLF-terminated lines
    body: Mapped[str] = mapped_column(Text)
    written_dt: Mapped[datetime] = mapped_column(UTCDateTime)
