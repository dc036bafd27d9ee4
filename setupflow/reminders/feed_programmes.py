"""The programme meetings of a person's calendar feed: every meeting of a programme edition
they are invited to by their account (``Attendee.user``), in the feed's window, written as
the sites' meetings are (same UID and SEQUENCE as the e-mailed invitation).

Read in two statements: the meetings (with their edition's label and programme), then their
agendas; the part's version is the meetings' count and their last change, so a calendar
app's next poll sees a move, a cancellation or a new invitation.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import inputs
from ..accounts.models import User
from ..committees.models import AgendaItem, Attendee, Meeting
from ..ics import feed_text as ics
from ..programmes.models import Edition, Laureate
from .feed_events import FEED_STATUSES, PAST

#: the kinds' names when the programme's definition is not at hand
KIND_TITLES = {"fr": {"selection": "Comité de sélection", "collective_day": "Journée collective",
                      "co_development": "Séance de co-développement", "event": "Événement",
                      "follow_up": "Suivi individuel"},
               "en": {"selection": "Selection committee", "collective_day": "Collective day",
                      "co_development": "Co-development session", "event": "Event", "follow_up": "Follow-up"}}


def invited_meetings(session: Session, email: str, now: datetime) -> list[tuple]:
    """(meeting columns..., edition label, programme id, laureate project) of the edition
    meetings the account with ``email`` is invited to, in the feed's window, in time order."""
    m = Meeting.__table__.c
    mine = (select(Attendee.meeting_id).join(User, User.id == Attendee.user_id)
            .where(func.lower(User.email) == email, User.is_active))
    return list(session.execute(
        select(m.id, m.committee_id, m.topic, m.status, m.starts_dt, m.duration_minutes, m.uid, m.sequence, m.place,
               m.video_url, m.updated_dt, Edition.label, Edition.programme_id, Laureate.project)
        .join(Edition, Edition.id == m.edition_id).outerjoin(Laureate, Laureate.id == m.laureate_id)
        .where(m.id.in_(mine), m.status.in_(FEED_STATUSES), m.starts_dt >= now - PAST,
               m.starts_dt < inputs.LATEST_INSTANT)
        .order_by(m.starts_dt, m.id)).all())


def window_columns(email_column, now: datetime) -> list:
    """Three scalar subqueries, correlated on a feed token's address, read with the token in
    the same statement (a feed's version stays five statements): the reader's language, and
    the count and last change of the programme meetings of ``invited_meetings``."""
    m = Meeting.__table__.c
    mine = (select(Attendee.meeting_id).join(User, User.id == Attendee.user_id)
            .where(func.lower(User.email) == func.lower(email_column), User.is_active))
    window = (m.edition_id.is_not(None), m.id.in_(mine), m.status.in_(FEED_STATUSES), m.starts_dt >= now - PAST,
              m.starts_dt < inputs.LATEST_INSTANT)
    reader = User.__table__.alias("reader")
    return [select(reader.c.language).where(func.lower(reader.c.email) == func.lower(email_column))
            .limit(1).scalar_subquery(),
            select(func.count()).select_from(Meeting.__table__).where(*window).scalar_subquery(),
            select(func.max(m.updated_dt)).where(*window).scalar_subquery()]


def _title(row, lang: str, catalog) -> str:
    from ..programmes.meetings import title

    _id, kind, topic, *_rest = row
    label, programme_id, project = row[11], row[12], row[13]
    programme = None
    if catalog is not None:
        try:
            programme = catalog.get(programme_id)
        except LookupError:
            programme = None
    if programme is not None:
        name = title(programme, _Meeting(kind, topic), lang, project)
        return f"{name} - {programme.title.get(lang)} {label}"
    name = KIND_TITLES["en" if lang == "en" else "fr"].get(kind, kind)
    return f"{name} - {label}" + (f" - {project}" if project else "")


class _Meeting:
    """What ``programmes.meetings.title`` reads of a meeting."""

    def __init__(self, committee_id, topic):
        self.committee_id, self.topic = committee_id, topic


def text(session: Session, rows: list[tuple], lang: str, now: datetime, catalog=None) -> bytes:
    """The VEVENTs of ``rows`` (``invited_meetings``)."""
    if not rows:
        return b""
    agendas: dict[int, list[str]] = {}
    for meeting_id, item in session.execute(select(AgendaItem.meeting_id, AgendaItem.title)
                                            .where(AgendaItem.meeting_id.in_([r[0] for r in rows]))
                                            .order_by(AgendaItem.meeting_id, AgendaItem.position)):
        agendas.setdefault(meeting_id, []).append(item)
    stamp = ics.utc(now)
    out = []
    for row in rows:
        meeting_id, _kind, _topic, status, starts, minutes, uid, sequence, place, video = row[:10]
        summary = ics.fold("SUMMARY:" + ics.escape(_title(row, lang, catalog)))
        items = agendas.get(meeting_id)
        description = "\\n".join(f"{i}. {ics.escape(t)}" for i, t in enumerate(items, 1)) if items else None
        where = ics.escape(f"{place}, {video}" if place and video else place or video or "") or None
        out.append(ics.meeting_event(summary, ics.utc(starts), ics.utc(starts + timedelta(minutes=minutes)), stamp,
                                     uid, sequence, description, where, status == "cancelled"))
    return "".join(out).encode()
