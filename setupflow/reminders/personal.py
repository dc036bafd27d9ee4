"""What one person sees of the outbox and of the calendar feeds: their upcoming
reminders, what was sent to them, their feeds; and, for administrators, the dead rows."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..inputs import email_key
from .models import DEAD_ROWS, SENT_SQL, UNSENT_ROWS, FeedToken, Reminder


def _rows(session: Session, query, limit: int) -> list[Reminder]:
    return list(session.scalars(query.limit(limit)))


def upcoming_query(email: str):
    """The rows still to be sent to ``email`` (any case), soonest first: a range of the index
    of unsent rows by address (``ix_reminders_to_unsent``)."""
    return select(Reminder).where(func.lower(Reminder.recipient) == email_key(email),
                                  UNSENT_ROWS).order_by(Reminder.send_after_dt)


def sent_query(email: str):
    """The rows sent to ``email``, latest first (``SENT_SQL`` spelled as the partial index's
    text, so that SQLite uses ``ix_reminders_to_sent``)."""
    return select(Reminder).where(func.lower(Reminder.recipient) == email_key(email), text(SENT_SQL),
                                  Reminder.state == "sent").order_by(Reminder.sent_dt.desc())


def upcoming(session: Session, email: str, limit: int = 100) -> list[Reminder]:
    return _rows(session, upcoming_query(email), limit)


def sent_to(session: Session, email: str, limit: int = 100) -> list[Reminder]:
    return _rows(session, sent_query(email), limit)


def dead(session: Session, limit: int = 100) -> list[Reminder]:
    """Rows given up after the retry limit, latest first (an administrator's view); the
    condition is spelled as the partial index's text so that SQLite uses it."""
    return _rows(session, select(Reminder).where(DEAD_ROWS).order_by(Reminder.updated_dt.desc()), limit)


def may_revoke(row: FeedToken, user, site_ids) -> bool:
    """A feed is revoked by its creator, by the person whose personal feed it is, or by a
    manager (admin, Cress) of its site; a read-only partner cannot revoke the lead's feed."""
    if row.created_by_user_id is not None and row.created_by_user_id == user.id:
        return True
    if row.email is not None and email_key(row.email) == email_key(user.email):
        return True
    return row.site_id is not None and row.site_id in set(site_ids) and user.role in ("admin", "cress")


def feeds_of(session: Session, user, site_ids) -> list[FeedToken]:
    """The live feeds the person may revoke: theirs, and, for a manager, those of the given sites."""
    site_ids = list(site_ids)
    rows = session.scalars(select(FeedToken).where(
        FeedToken.revoked_dt.is_(None),
        or_(FeedToken.created_by_user_id == user.id, func.lower(FeedToken.email) == email_key(user.email),
            FeedToken.site_id.in_(site_ids))).order_by(FeedToken.id))
    return [row for row in rows if may_revoke(row, user, site_ids)]


def revoke_feed_id(session: Session, feed_id: int, now: datetime, *, user, site_ids) -> FeedToken:
    """Revoke a feed the person may revoke (``may_revoke``); ``NotFound`` otherwise."""
    row = session.get(FeedToken, feed_id)
    if row is None or row.revoked_dt is not None or not may_revoke(row, user, site_ids):
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
