"""The sweep: claim the reminders that are due, send them, mark them sent.

Delivery is at least once. A row is claimed in its own committed transaction (state
``sending`` with a lease: ``leased_until`` = now + lease), then sent, then marked
``sent`` in small batches. If the process dies between sending and marking, the lease
runs out, the next sweep takes the row again and sends it again with the same
Message-ID, so a receiver can drop the duplicate. Nothing is ever lost: a row leaves the
outbox only as ``sent``, ``dead`` (after ``max_attempts`` failures) or ``withdrawn``.

On PostgreSQL several sweeps may run at once: rows are claimed by one statement whose
subquery locks them with ``FOR UPDATE SKIP LOCKED`` (``claim.py``), so no two sweeps ever
take the same row.
"""
from __future__ import annotations

import logging
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..config import Settings
from ..db import transaction
from ..lifecycles import REMINDERS
from . import crash, messages
from .claim import LEASE, Claimed, claim, due_count, expire, work_probe  # noqa: F401  (sweep.LEASE, sweep.claim)
from .mailer import MailNotConfigured, SmtpMailer
from .models import Reminder

log = logging.getLogger("setupflow.reminders")

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_CAP = timedelta(hours=12)
MARK_EVERY = 25


@dataclass
class SweepResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    expired: int = 0
    #: due rows left in the outbox because no SMTP server is configured
    held: int = 0
    message_ids: list[str] = field(default_factory=list)

    def problem(self) -> str | None:
        """What an administrator must hear about this sweep (``health``), or None."""
        if self.held:
            return (f"no SMTP server is configured (SETUPFLOW_SMTP_HOST): {self.held} due reminder(s) "
                    "wait in the outbox, unsent")
        if self.failed and not self.sent:
            return (f"{self.failed} message(s) failed and none was delivered: the SMTP server refuses them or "
                    "cannot be reached; they are retried with backoff (setupflow outbox list --state failed)")
        return None


def backoff(attempts: int) -> timedelta:
    """5 min, 10 min, 20 min... after the 1st, 2nd, 3rd failure; at most 12 h."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _groups(rows: list[Claimed]) -> list[list[Claimed]]:
    by_id: dict[str, list[Claimed]] = {}
    for row in rows:
        by_id.setdefault(row.message_id, []).append(row)
    return list(by_id.values())


def _with_link(context: dict, settings: Settings) -> dict:
    path = context.get("path")
    if "path_sealed" in context:  # a secret link (password reset), sealed by the installation's key
        from ..installation import unseal

        path = unseal(settings, context["path_sealed"])
        if path is None:
            raise ValueError("the sealed link cannot be opened with this installation's key")
        context = {k: v for k, v in context.items() if k != "path_sealed"}
    return {**context, "link": settings.base_url.rstrip("/") + path if path else None,
            "base_url": settings.base_url.rstrip("/")}


def compose(renderer: messages.Renderer, settings: Settings, group: list[Claimed], now: datetime):
    first = group[0]
    to = (first.recipient, first.recipient_name)
    calendar = method = None
    if len(group) == 1 and not first.is_digest:
        context = first.context
        subject, text, html = renderer.render(first.template, first.language, _with_link(context, settings))
        calendar, method = messages.meeting_calendar(first.template, context, to=to,
                                                     sender=settings.mail_sender, now=now)
    else:
        items = []
        for row in sorted(group, key=lambda r: (r.due_dt, r.id)):
            item_subject, item_text, _ = renderer.render(row.template, row.language,
                                                         _with_link(row.context, settings))
            items.append({"subject": item_subject, "text": item_text})
        subject, text, html = renderer.render("digest", first.language,
                                              {"name": first.recipient_name, "items": items, "link": None})
    msg = messages.build(sender=settings.mail_sender, to=to, subject=subject, text=text, html=html,
                         message_id=first.message_id, now=now, calendar=calendar, method=method)
    template = first.template if len(group) == 1 and not first.is_digest else "digest"
    from .unsubscribe import headers

    for name, value in headers(template, first.recipient, first.context if len(group) == 1 else {},
                               settings).items():
        msg[name] = value
    return msg


def _mark(factory: sessionmaker, outcomes: list[tuple[int, str | None]], now: datetime,
          max_attempts: int, result: SweepResult) -> None:
    """Record what happened to each row id: None means sent, else the error."""
    if not outcomes:
        return
    with transaction(factory) as session:
        rows = {r.id: r for r in session.scalars(select(Reminder).where(
            Reminder.id.in_([i for i, _ in outcomes])))}
        for row_id, error in outcomes:
            row = rows[row_id]
            row.updated_dt, row.leased_until = now, None  # marked: no sweep holds it any more
            if error is None:
                REMINDERS.fire(row, "deliver")
                row.sent_dt, row.last_error = now, None
                if "path_sealed" in (row.context or {}):  # sent: the secret link is kept nowhere
                    row.context = {k: v for k, v in row.context.items() if k != "path_sealed"}
                result.sent += 1
            elif REMINDERS.fire(row, "fail", max_attempts=max_attempts) == "dead":
                row.last_error = error
                if "path_sealed" in (row.context or {}):  # never sent: nor kept
                    row.context = {k: v for k, v in row.context.items() if k != "path_sealed"}
                result.dead += 1
                log.error("reminder %s to %s is dead after %s attempts: %s", row.id, row.recipient,
                          row.attempts, error)
            else:
                row.last_error = error
                row.send_after_dt = now + backoff(row.attempts)
                result.failed += 1
    crash.reached("after_mark")
    outcomes.clear()


#: the number of held reminders last logged, by database (see ``sweep``)
_held_reported: dict[str, int] = {}


def _has_work(factory: sessionmaker, now: datetime) -> bool:
    """The idle probe, on a connection in autocommit: one read, no transaction to begin and
    roll back (on PostgreSQL each is a round trip: 0.9 ms an idle sweep against 0.28 ms)."""
    engine = factory.kw.get("bind")
    if engine is None:
        with factory() as session:
            return bool(session.scalar(work_probe(now)))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return bool(conn.scalar(work_probe(now)))


def sweep(factory: sessionmaker, settings: Settings, now: datetime, *, batch: int = 200,
          lease: timedelta = LEASE, max_attempts: int = MAX_ATTEMPTS, stop=None) -> SweepResult:
    """Send everything due at ``now``; one SMTP connection for the whole sweep.

    ``stop`` (a ``threading.Event``) ends the sweep after the current batch.
    """
    result = SweepResult()
    busy = _has_work(factory, now)
    if not busy:
        _held_reported[settings.database_url] = 0
        return result
    with transaction(factory) as session:
        result.expired = expire(session, now)
        waiting = due_count(session, now)
    if not settings.smtp_host:
        result.held = waiting
        if waiting and waiting != _held_reported.get(settings.database_url):
            # loud, but once per change of the count rather than every minute
            log.warning("SMTP IS NOT CONFIGURED (SETUPFLOW_SMTP_HOST): %s due reminder(s) stay in the outbox, "
                        "unsent; see `setupflow outbox list`", waiting)
        _held_reported[settings.database_url] = waiting
        return result
    renderer = messages.Renderer(settings.templates_dir)
    domain = messages.message_domain(settings.mail_sender)
    mailer = SmtpMailer(settings)
    try:
        while stop is None or not stop.is_set():
            crash.reached("before_claim")
            with transaction(factory) as session:
                rows = claim(session, now, batch, domain, lease)
                session.expunge_all()
            crash.reached("after_claim")
            if not rows:
                break
            if _send_all(mailer, renderer, settings, factory, rows, now, max_attempts, result):
                break  # the server is down: leave the rest for the next sweep
    finally:
        mailer.close()
    return result


def _send_all(mailer, renderer, settings, factory, rows, now, max_attempts, result) -> str | None:
    """Send the claimed rows; return why the server is unreachable, if it is."""
    outcomes: list[tuple[int, str | None]] = []
    marked_at = time.monotonic()
    down: str | None = None
    for group in _groups(rows):
        error = down
        if error is None:
            try:
                msg = compose(renderer, settings, group, now)
                mailer.send(msg)
                crash.reached("after_accept")
                result.message_ids.append(group[0].message_id)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                error = f"refused by the SMTP server: {exc}"
            except (smtplib.SMTPException, OSError) as exc:
                # the server is unreachable: every remaining row of this claim fails too
                error = down = f"SMTP server unreachable: {exc}"
                mailer.connection = None
            except Exception as exc:  # a template problem must not stop the other reminders
                log.exception("reminder %s: cannot compose", group[0].id)
                error = f"cannot compose the e-mail: {exc!r}"
        outcomes.extend((row.id, error) for row in group)
        if len(outcomes) >= MARK_EVERY or time.monotonic() - marked_at > 1:
            _mark(factory, outcomes, now, max_attempts, result)
            marked_at = time.monotonic()
    _mark(factory, outcomes, now, max_attempts, result)
    return down


__all__ = ["sweep", "claim", "work_probe", "expire", "backoff", "SweepResult", "MailNotConfigured"]
