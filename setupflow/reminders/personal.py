"""What one person sees of the outbox and of the calendar feeds: their upcoming
reminders, what was sent to them, their feeds; and, for administrators, the dead rows."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..inputs import email_key
from .models import DEAD_SQL, UNSENT_SQL, FeedToken, Reminder


def _rows(session: Session, query, limit: int) -> list[Reminder]:
    return list(session.scalars(query.limit(limit)))


def upcoming(session: Session, email: str, limit: int = 100) -> list[Reminder]:
    """Reminders still to be sent to ``email`` (any case), soonest first."""
    return _rows(session, select(Reminder).where(func.lower(Reminder.recipient) == email_key(email),
                                                 text(UNSENT_SQL)).order_by(Reminder.send_after_dt), limit)


def sent_to(session: Session, email: str, limit: int = 100) -> list[Reminder]:
    """What was sent to ``email``, latest first."""
    return _rows(session, select(Reminder).where(func.lower(Reminder.recipient) == email_key(email),
                                                 Reminder.state == "sent").order_by(Reminder.sent_dt.desc()), limit)


def dead(session: Session, limit: int = 100) -> list[Reminder]:
    """Rows given up after the retry limit, latest first (an administrator's view); the
    condition is spelled as the partial index's text so that SQLite uses it."""
    return _rows(session, select(Reminder).where(text(DEAD_SQL)).order_by(Reminder.updated_dt.desc()), limit)


def feeds_of(session: Session, email: str, site_ids) -> list[FeedToken]:
    """Live feeds of the person (by address) and of the given sites."""
    return list(session.scalars(select(FeedToken).where(
        FeedToken.revoked_dt.is_(None),
        or_(func.lower(FeedToken.email) == email_key(email), FeedToken.site_id.in_(list(site_ids))))
        .order_by(FeedToken.id)))


def revoke_feed_id(session: Session, feed_id: int, now: datetime, *, email: str, site_ids) -> FeedToken:
    """Revoke a feed the person may see (theirs, or one of the given sites'); ``NotFound`` otherwise."""
    row = session.get(FeedToken, feed_id)
    mine = row is not None and ((row.email or "").lower() == email_key(email) or row.site_id in set(site_ids))
    if not mine or row.revoked_dt is not None:
        raise NotFound(code="feed.not_yours", field="feed", feed=feed_id)
    row.revoked_dt = now
    session.flush()
    return row


def subjects(rows, templates_dir) -> dict[int, str]:
    """Each row's e-mail subject as the recipient reads it (the template id when it cannot be rendered)."""
    from .messages import Renderer

    renderer = Renderer(templates_dir)
    out = {}
    for row in rows:
        try:
            out[row.id] = renderer.render(row.template, row.language, {**row.context, "link": None})[0]
        except Exception:  # a row planned by an older template: show what it is, not an error page
            out[row.id] = row.template
    return out
