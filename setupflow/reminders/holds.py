"""What a site's e-mails are before they leave, and a person's hand on one of them.

``site_mail`` lists a site's outbox the way its managers read it: what will go out (when,
to whom, by which rule, about what), what a person held or cancelled, what went out,
what failed, and what waits only for an SMTP server. ``meeting:<id>`` narrows it to one
meeting. ``hold``, ``release`` and ``cancel`` let a manager keep one reminder back (an
invitation they will send themselves...): the row says who did it and the site's
history records it; planning never revives a held or cancelled reminder
(``operations.sync``). Flush, never commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..lifecycles import REMINDERS
from ..sites.models import Site
from ..sites.records import Actor, record
from .models import Reminder

#: how many rows of each list a page shows (the newest sent, the soonest to come)
LIMIT = 200


@dataclass
class SiteMail:
    #: pending or being retried, soonest first
    upcoming: list[Reminder] = field(default_factory=list)
    #: held or cancelled by a person
    stopped: list[Reminder] = field(default_factory=list)
    sent: list[Reminder] = field(default_factory=list)
    #: failed (retried later) or given up
    failed: list[Reminder] = field(default_factory=list)
    #: how many upcoming ones are already due and wait only for an SMTP server
    waiting_for_smtp: int = 0


def site_mail(session: Session, site: Site, now: datetime, *, smtp_configured: bool,
              subject: str | None = None) -> SiteMail:
    """The site's outbox in four lists (``subject``: only the rows about it, e.g. ``meeting:12``)."""
    query = select(Reminder).where(Reminder.site_id == site.id)
    if subject is not None:
        query = query.where(Reminder.subject == subject)
    out = SiteMail()
    out.upcoming = list(session.scalars(query.where(Reminder.state.in_(("pending", "sending")))
                                        .order_by(Reminder.send_after_dt, Reminder.id).limit(LIMIT)))
    out.stopped = list(session.scalars(query.where(Reminder.state.in_(("held", "cancelled")))
                                       .order_by(Reminder.due_dt, Reminder.id).limit(LIMIT)))
    out.sent = list(session.scalars(query.where(Reminder.state == "sent")
                                    .order_by(Reminder.sent_dt.desc(), Reminder.id.desc()).limit(LIMIT)))
    out.failed = list(session.scalars(query.where(Reminder.state.in_(("failed", "dead")))
                                      .order_by(Reminder.updated_dt.desc(), Reminder.id.desc()).limit(LIMIT)))
    if not smtp_configured:
        # a row being sent waits for the end of its sweep's lease (its sweep died), not its send_after_dt
        out.waiting_for_smtp = sum(1 for r in out.upcoming if (r.leased_until or r.send_after_dt) <= now)
    return out


def site_reminder(session: Session, site: Site, reminder_id) -> Reminder:
    """One reminder of ``site``; ``NotFound`` for another site's (or none)."""
    try:
        number = int(reminder_id)
    except (TypeError, ValueError):
        number = None
    row = session.get(Reminder, number) if number else None
    if row is None or row.site_id != site.id:
        raise NotFound(code="reminder.not_found", field="reminder", reminder=reminder_id, site=site.id)
    return row


def _history(row: Reminder, action: str, *, session: Session, site: Site, actor: Actor, now: datetime, **_) -> None:
    """The reminder's history callback: who held, cancelled or released it, in its site's history."""
    # a held or cancelled row keeps who did it where a failed one keeps why
    row.last_error, row.updated_dt = actor.name, now
    record(session, site, actor, now, action, reminder_id=row.id, rule=row.rule, subject=row.subject,
           recipient=row.recipient, due=row.due_dt.isoformat())


REMINDERS.bind(history=_history)


def hold(session: Session, site: Site, row: Reminder, actor: Actor, now: datetime) -> Reminder:
    """Keep a reminder back until someone releases it."""
    REMINDERS.fire(row, "hold", session=session, site=site, actor=actor, now=now)
    session.flush()
    return row


def cancel(session: Session, site: Site, row: Reminder, actor: Actor, now: datetime) -> Reminder:
    """Never send this reminder (planning will not create it again for the same recipient)."""
    REMINDERS.fire(row, "cancel", session=session, site=site, actor=actor, now=now)
    session.flush()
    return row


def release(session: Session, site: Site, row: Reminder, actor: Actor, now: datetime) -> Reminder:
    """Let a held reminder go: it leaves at its time, or at the next sweep if that time has passed."""
    REMINDERS.fire(row, "release", session=session, site=site, actor=actor, now=now)
    row.send_after_dt = max(row.due_dt, now) if row.expires_dt is None or row.expires_dt > now else row.send_after_dt
    row.last_error = None
    session.flush()
    return row
